// Builds hello.js into a `wasi:http/proxy` component with componentize-js, through its JS API
// (the `jco componentize` CLI cannot read WIT paths under Node 20). Usage: node build.mjs OUT.wasm
//
// StarlingMonkey's fetch event is `wasi:http/incoming-handler@0.2.10`, so the world must name
// 0.2.10; jco ships the WASI 0.2.12 WIT, whose interfaces 0.2.10 shares, so the packages are
// given to componentize-js as 0.2.10.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { componentize } from "@bytecodealliance/componentize-js";

const out = process.argv[2];
if (!out) throw new Error("usage: node build.mjs OUT.wasm");
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const WASI = here("node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12");
const PACKAGES = (await readdir(WASI)).filter((name) => name.startsWith("wasi-"));

const wit = await mkdtemp(join(tmpdir(), "js-hello-wit-"));
try {
  await cp(here("wit/world.wit"), join(wit, "world.wit"));
  for (const name of PACKAGES) {
    const dir = join(wit, "deps", name);
    await cp(join(WASI, name), dir, { recursive: true });
    for (const file of await readdir(dir)) {
      const text = await readFile(join(dir, file), "utf8");
      await writeFile(join(dir, file), text.replaceAll("@0.2.12", "@0.2.10"));
    }
  }
  const { component } = await componentize({
    sourcePath: here("hello.js"),
    witPath: wit,
    worldName: "hello",
  });
  await writeFile(out, component);
} finally {
  await rm(wit, { recursive: true, force: true });
}
