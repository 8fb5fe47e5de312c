"""The files a function reads at run time, kept in memory: a component has no file system (the
host gives it none), so the files the app ships next to its code and the data its libraries
read (botocore's service models) are read at build time and served from memory, read-only, at
the paths they had then. ``open``, ``os.stat``, ``os.listdir`` and ``os.scandir`` (and so
``os.path.exists``, ``isfile``, ``isdir``, ``gzip.open``) see them; anything else is as absent
as before.

Pure Python: the tests run it under CPython.
"""

import builtins
import errno
import io
import os
import stat
from typing import Dict, Iterable, Optional, Set


class Files:
    """Files by absolute path, and the directories that hold them."""

    def __init__(self) -> None:
        self._files: Dict[str, bytes] = {}
        self._dirs: Dict[str, Set[str]] = {}

    def add(self, path: str, data: bytes) -> None:
        """Keeps ``data`` as the file at ``path`` (absolute, normalized)."""
        path = os.path.normpath(path)
        self._files[path] = data
        child = path
        parent = os.path.dirname(child)
        while parent != child:
            self._dirs.setdefault(parent, set()).add(os.path.basename(child))
            child, parent = parent, os.path.dirname(parent)

    def add_tree(self, root: str, keep=lambda path: True) -> int:
        """Reads every file under ``root`` that ``keep`` accepts; returns how many bytes."""
        total = 0
        for directory, subdirs, names in os.walk(root):
            subdirs[:] = [name for name in subdirs if name != "__pycache__"]
            for name in names:
                path = os.path.join(directory, name)
                if keep(path):
                    with open(path, "rb") as file:
                        data = file.read()
                    self.add(path, data)
                    total += len(data)
        return total

    def lookup(self, path) -> Optional[str]:
        """The normalized path, when it names one of these files or directories."""
        if isinstance(path, int):
            return None
        try:
            path = os.fsdecode(path)
        except TypeError:
            return None
        path = os.path.normpath(os.path.abspath(path)) if path else path
        if path in self._files or path in self._dirs:
            return path
        return None

    def is_dir(self, path: str) -> bool:
        return path in self._dirs

    def data(self, path: str) -> bytes:
        return self._files[path]

    def names(self, path: str) -> Iterable[str]:
        return sorted(self._dirs[path])

    def stat(self, path: str) -> os.stat_result:
        if path in self._dirs:
            return os.stat_result((stat.S_IFDIR | 0o555, 0, 0, 2, 0, 0, 0, 0, 0, 0))
        size = len(self._files[path])
        return os.stat_result((stat.S_IFREG | 0o444, 0, 0, 1, 0, 0, size, 0, 0, 0))


class _Entry:
    """A ``os.DirEntry`` of an in-memory directory."""

    def __init__(self, files: Files, directory: str, name: str) -> None:
        self.name = name
        self.path = os.path.join(directory, name)
        self._files = files

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return self._files.is_dir(self.path)

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        return not self.is_dir()

    def is_symlink(self) -> bool:
        return False

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        return self._files.stat(self.path)

    def inode(self) -> int:
        return 0

    def __fspath__(self) -> str:
        return self.path


class _Scandir:
    def __init__(self, entries: list) -> None:
        self._entries = iter(entries)

    def __iter__(self):
        return self._entries

    def __next__(self):
        return next(self._entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def close(self) -> None:
        pass


def install(files: Files) -> None:
    """Serves ``files`` to ``open`` and ``os``'s queries; other paths go where they went."""
    real_open, real_stat, real_lstat, real_listdir, real_scandir = builtins.open, os.stat, os.lstat, os.listdir, os.scandir

    def open_(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None, closefd=True, opener=None):
        path = files.lookup(file)
        if path is None:
            return real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
        if files.is_dir(path):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", file)
        if any(flag in mode for flag in "wax+"):
            raise PermissionError(errno.EROFS, "Read-only file system: the files a function ships", file)
        binary = io.BytesIO(files.data(path))
        binary.name = path
        if "b" in mode:
            return binary
        return io.TextIOWrapper(binary, encoding=encoding or "utf-8", errors=errors, newline=newline)

    def stat_(path, *, dir_fd=None, follow_symlinks=True):
        found = files.lookup(path) if dir_fd is None else None
        return files.stat(found) if found is not None else real_stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)

    def lstat_(path, *, dir_fd=None):
        found = files.lookup(path) if dir_fd is None else None
        return files.stat(found) if found is not None else real_lstat(path, dir_fd=dir_fd)

    def listdir_(path="."):
        found = files.lookup(path)
        if found is None:
            return real_listdir(path)
        if not files.is_dir(found):
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", path)
        return list(files.names(found))

    def scandir_(path="."):
        found = files.lookup(path)
        if found is None:
            return real_scandir(path)
        return _Scandir([_Entry(files, found, name) for name in files.names(found)])

    builtins.open = io.open = open_
    os.stat, os.lstat, os.listdir, os.scandir = stat_, lstat_, listdir_, scandir_
