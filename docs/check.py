#!/usr/bin/env python3
"""`make check-docs`: every `make` target and every `bootstrap` subcommand and flag that the docs
name exists.

    python3 docs/check.py BOOTSTRAP              check README.md, docs/*.md and BENCHMARKS.md
    python3 docs/check.py --self-test BOOTSTRAP  check a fixture with made-up names: they must fail

It reads the fenced code blocks (shell, or no language) and the inline code of the docs. A command
is `make ...` or `bootstrap ...` (also `target/release/bootstrap`, `$(BOOTSTRAP)`) where a command
starts: at the start of a line or of inline code, after `;`, `&&`, `||` or `|`, after `VAR=value`
assignments and `time`/`env`/`exec`, and in a comment that starts with "or". So `cargo lambda
invoke bootstrap --data-file ...` is not a bootstrap command. Make targets are checked against
the Makefile's rules as `make -pRrq` prints them (phony targets count), subcommands and flags
against `bootstrap --help` and `bootstrap SUBCOMMAND --help`. An ALL-CAPS word (`make TARGET`) is
a placeholder and is not checked; `build-<LogicalId>` must match at least one target.

It lives beside the docs it checks, as guest/template/check_new_handler.sh lives beside the
template. Standard library only: it runs before the Python tools are installed.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Fenced blocks read as commands; others (rust, toml, yaml, js, json) are not shell.
SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console", "zsh"}
WRAPPERS = {"time", "env", "exec", "nohup", "sudo", "command"}
OPERATORS = {";", "&&", "||", "|", "&"}
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*(\.\.\.)?")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
INLINE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
# A rule line of `make -p`'s database: `target other: prerequisites`, not `VAR := value`.
RULE = re.compile(r"^([^\s#:=%][^:=]*?)::?(?=\s|$)")
# An option line of clap's help: `  -c, --component <COMPONENT>`, `      --timeout <TIMEOUT>`.
OPTION = re.compile(r"^ {2,6}(-[A-Za-z0-9])?(?:, )?(--[A-Za-z0-9][\w-]*)?")
COMMAND = re.compile(r"^  ([a-z][\w-]*)(?:\s|$)")


def doc_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "BENCHMARKS.md"]


def split_comment(line):
    """The code and the comment of a shell line: `#` at a word's start, outside quotes."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1 :]
    return line, ""


def inline_spans(text, first_line):
    """(line, code) of each inline code span of a run of Markdown lines."""
    for paragraph_start, paragraph in paragraphs(text):
        for match in INLINE.finditer(paragraph):
            line = first_line + paragraph_start + paragraph[: match.start()].count("\n")
            yield line, match.group(2).replace("\n", " ").strip()


def paragraphs(text):
    """(line offset, text) of each paragraph: inline code never spans a blank line."""
    start, lines = 0, []
    for number, line in enumerate(text.split("\n")):
        if line.strip():
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            yield start, "\n".join(lines)
            lines = []
    if lines:
        yield start, "\n".join(lines)


def commands(text):
    """(line, command text) of every place in a Markdown text that may hold a command."""
    lines = text.split("\n")
    prose, prose_start = [], 1
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            if not prose:
                prose_start = i + 1
            prose.append(lines[i])
            i += 1
            continue
        yield from inline_spans("\n".join(prose), prose_start)
        prose = []
        marker, language = fence.group(1), fence.group(2).lower()
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(marker):
            start = i + 1
            line = lines[i]
            # A line ending in `\` goes on with the next.
            while line.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line.rstrip()[:-1] + " " + lines[i]
            i += 1
            if language not in SHELL_LANGUAGES:
                continue
            line = re.sub(r"^\s*\$\s+", "", line)  # a console prompt
            code, comment = split_comment(line)
            yield start, code
            alternative = re.match(r"\s*or\b[:,]?\s*(.*)", comment)
            if alternative:
                yield start, alternative.group(1)
            for _, span in inline_spans(line, start):
                yield start, span
        i += 1  # the closing fence
    yield from inline_spans("\n".join(prose), prose_start)


def simple_commands(text):
    """The word lists of the simple commands of one line of shell."""
    text = text.replace("$(BOOTSTRAP)", "bootstrap")
    try:
        words = shlex.split(text)
    except ValueError:  # an unbalanced quote in prose
        words = text.split()
    command = []
    for word in words:
        if word in OPERATORS:
            yield command
            command = []
        elif word.endswith(";"):
            command.append(word[:-1])
            yield command
            command = []
        else:
            command.append(word)
    yield command


def invocations(text):
    """("make" or "bootstrap", its arguments) of each such command in a line of shell."""
    for words in simple_commands(text):
        while words and (ASSIGNMENT.match(words[0]) or words[0] in WRAPPERS):
            words = words[1:]
        if not words:
            continue
        if words[0] == "make":
            yield "make", words[1:]
        elif os.path.basename(words[0]) == "bootstrap":
            yield "bootstrap", words[1:]


def make_targets():
    """Every target the Makefile has a rule for, phony or not."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    # -q runs nothing; `:` is a goal with no rule, so make stops after printing its database.
    result = subprocess.run(
        ["make", "-pRrq", "-f", "Makefile", ":"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    targets, in_files, not_a_target = set(), False, False
    for line in result.stdout.splitlines():
        if not_a_target:
            # "# Not a target:" is about the next line alone (which may be no rule at all, `::`).
            not_a_target = False
        elif line.startswith("# Files"):
            in_files = True
        elif line.startswith("# Finished Make data base"):
            in_files = False
        elif in_files and line == "# Not a target:":
            not_a_target = True
        elif in_files and (rule := RULE.match(line)):
            targets.update(rule.group(1).split())
    if not targets:
        sys.exit(f"check-docs: no targets in `make -pRrq` output:\n{result.stderr}")
    return targets


def help_text(bootstrap, *args):
    result = subprocess.run(
        [bootstrap, *args, "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        sys.exit(f"check-docs: `{bootstrap} {' '.join(args)} --help` failed:\n{result.stderr}")
    return result.stdout


def parse_help(text):
    """(subcommands, flags) of one clap help text."""
    subcommands, flags, section = set(), set(), None
    for line in text.splitlines():
        if line and not line[0].isspace():
            section = line.rstrip(":") if line.endswith(":") else None
        elif section == "Commands" and (command := COMMAND.match(line)):
            subcommands.add(command.group(1))
        elif section == "Options" and (option := OPTION.match(line)):
            flags.update(flag for flag in option.groups() if flag)
    return subcommands, flags


def bootstrap_cli(bootstrap):
    """{subcommand: its flags}, with the top level's flags under ""."""
    subcommands, flags = parse_help(help_text(bootstrap))
    if not subcommands:
        sys.exit(f"check-docs: no subcommands in `{bootstrap} --help`")
    cli = {"": flags}
    for subcommand in subcommands:
        # `help` takes subcommand names, not flags; its own --help is not a help text.
        cli[subcommand] = set() if subcommand == "help" else parse_help(help_text(bootstrap, subcommand))[1]
    return cli


def missing_make(arguments, targets):
    names, skip_next = [], False
    for word in arguments:
        if skip_next:
            skip_next = False
        elif word in {"-C", "-f", "-o", "-W", "-I", "-j"}:
            skip_next = word != "-j"
        elif word.startswith("-") or ASSIGNMENT.match(word) or PLACEHOLDER.fullmatch(word):
            continue
        elif "<" in word:
            pattern = re.compile(".+".join(re.escape(part) for part in re.split(r"<[^>]*>", word)))
            if not any(pattern.fullmatch(target) for target in targets):
                names.append(f"make {word}: no target matches")
        elif word not in targets:
            names.append(f"make {word}: no such target")
    return names


def missing_bootstrap(arguments, cli):
    words = [word.strip("[]") for word in arguments]
    words = [word for word in words if word]
    subcommand = ""
    if words and not words[0].startswith("-"):
        subcommand, words = words[0], words[1:]
        if PLACEHOLDER.fullmatch(subcommand):
            return []
        if subcommand not in cli:
            return [f"bootstrap {subcommand}: no such subcommand"]
    names = []
    for word in words:
        if word.startswith("-") and word != "-" and word != "--":
            flag = word.split("=", 1)[0]
            if flag not in cli[subcommand]:
                names.append(f"bootstrap {subcommand + ' ' if subcommand else ''}{flag}: no such flag")
        elif word == "--":
            break
    return names


def check_text(name, text, targets, cli):
    """The problems of one doc, and how many make and bootstrap commands it names."""
    problems, counted = [], {"make": 0, "bootstrap": 0}
    for line, command_text in commands(text):
        for program, arguments in invocations(command_text):
            if not arguments:  # `make` or `bootstrap` named in passing
                continue
            counted[program] += 1
            if program == "make":
                names = missing_make(arguments, targets)
            else:
                names = missing_bootstrap(arguments, cli)
            problems.extend(f"{name}:{line}: {missing}" for missing in names)
    return problems, counted


SELF_TEST = """\
Real ones pass: `make test`, `make serve PORT=8080`, `make build-<LogicalId>`, `bootstrap --version`.
A made-up target: `make no-such-target`.

```sh
bootstrap serve --component c.wasm --no-such-flag   # or make package LAYER_TARGET=x
target/release/bootstrap no-such-command
cargo lambda invoke bootstrap --data-file e.json    # an argument, not a command: not checked
FOO=1 time $(BOOTSTRAP) invoke -e e.json \\
  --component=c.wasm --timeout 3
make TARGET                                          # a placeholder: not checked
```

```rust
// not shell: not checked
make nothing
```
"""
SELF_TEST_EXPECTED = [
    "fixture.md:2: make no-such-target: no such target",
    "fixture.md:5: bootstrap serve --no-such-flag: no such flag",
    "fixture.md:6: bootstrap no-such-command: no such subcommand",
]


def main():
    arguments = sys.argv[1:]
    self_test = "--self-test" in arguments
    arguments = [argument for argument in arguments if argument != "--self-test"]
    if len(arguments) != 1:
        sys.exit("usage: docs/check.py [--self-test] BOOTSTRAP")
    targets, cli = make_targets(), bootstrap_cli(arguments[0])
    if self_test:
        problems, counted = check_text("fixture.md", SELF_TEST, targets, cli)
        if problems != SELF_TEST_EXPECTED or counted != {"make": 6, "bootstrap": 4}:
            print("check-docs self-test failed; expected:", *SELF_TEST_EXPECTED, sep="\n  ")
            print("got:", *problems, f"counted {counted}", sep="\n  ")
            sys.exit(1)
        print(f"check-docs self-test: the {len(problems)} made-up names were reported, nothing else")
        return
    problems, total = [], {"make": 0, "bootstrap": 0}
    files = doc_files()
    for path in files:
        found, counted = check_text(str(path.relative_to(ROOT)), path.read_text(), targets, cli)
        problems.extend(found)
        for program in total:
            total[program] += counted[program]
    for problem in problems:
        print(problem, flush=True)
    summary = (f"{total['make']} make and {total['bootstrap']} bootstrap commands in "
               f"{len(files)} files")
    if problems:
        print(f"check-docs: {len(problems)} missing name(s) in {summary}")
        sys.exit(1)
    print(f"check-docs: {summary}; every target, subcommand and flag exists")


if __name__ == "__main__":
    main()
