#!/usr/bin/env python3
"""Checks that docs/ARCHITECTURE.md still describes src/: the map stays true.

It reads the map (docs/ARCHITECTURE.md):
  - the folder table's "may use" column,
  - the arrows of the dependency diagram (the first ``` block),
  - the heavy-header table and the folders whose every header is public,
and compares them with the code:
  - the frugal_* libraries that each src/<folder>/CMakeLists.txt links (target_link_libraries of
    frugal_<folder>; `frugal` for src/main.cpp),
  - the #include "<folder>/..." lines of each folder's sources,
  - where the heavy third-party headers are included.

Rules, all about folders (files may move inside a folder freely):
  1. A folder's "may use" lists exactly the frugal_* libraries its CMake target links.
  2. The diagram's arrows are exactly those links (`a → b`: frugal_b links frugal_a).
  3. A folder includes only its own headers and those of what it may use, directly or in turn
     (core may use util, so whatever may use core may include util's headers too).
  4. From another folder, only a folder's public header `<folder>/<folder>.h` is included, except
     in the folders the map names as all-public.
  5. A heavy header is included only in the folders its row lists, never in a public header, and
     each listed folder does include it (so the list does not go stale).

Usage: scripts/check_architecture.py [REPO_ROOT]     exit 0 when the map is true, 1 otherwise
       scripts/check_architecture.py --self-test     shows the checks catch drift in a small tree
"""
import fnmatch
import pathlib
import re
import sys
import tempfile

SOURCE_SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".inc"}
MAIN = "main"  # the map's name for src/main.cpp and its target `frugal`


class MapError(Exception):
    """The map itself could not be read: no folder table or no diagram."""


def names_in(cell):
    """Folder names in a table cell: "store, objects (libcurl)" → ["store", "objects"]."""
    cell = re.sub(r"\([^)]*\)", "", cell).replace("`", "")
    return [n.strip() for n in cell.split(",") if n.strip() and n.strip() != "nothing"]


def table_rows(text, first_header):
    """The cells of each row of the markdown tables whose header row starts with | first_header |."""
    rows, in_table = [], False
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            in_table, wanted = True, cells[0] == first_header
        elif wanted and not set(cells[0]) <= set("-: "):
            rows.append(cells)
    return rows


def read_map(doc, folders, problems):
    """The map's statements; names it uses that are not folders become problems and are dropped."""
    text = doc.read_text()
    known = set(folders) | {MAIN}

    def folder_names(cell, what):
        names = names_in(cell)
        for n in names:
            if n not in known:
                problems.append(f"{doc.name}: {what} names '{n}', which is not a folder of src/")
        return [n for n in names if n in known]

    may_use = {}
    for cells in table_rows(text, "folder"):
        m = re.fullmatch(r"`src/([a-z0-9_]+)/?`|`src/(main)\.cpp`", cells[0])
        if not m:
            continue  # web/: not a C++ library
        name = m.group(1) or m.group(2)
        may_use[name] = set(folder_names(cells[-1], f"{name}'s 'may use'"))
    if not may_use:
        raise MapError(f"{doc.name}: no folder table (a table whose header starts with | folder |) was found")

    block = re.search(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S)
    if not block:
        raise MapError(f"{doc.name}: no dependency diagram (a ``` block) was found")
    arrows = set()
    for line in block.group(1).splitlines():
        steps = [folder_names(s.strip().strip("{}"), "the diagram") for s in line.split("→")]
        if len(steps) < 2:
            continue
        for left, right in zip(steps, steps[1:]):
            for a in left:
                for b in right:
                    arrows.add((a, b))

    heavy = {}
    for cells in table_rows(text, "header"):
        quoted = re.match(r"`([^`]+)`", cells[0])  # "`nlohmann/*` (JSON)": the include path, * for any
        if not quoted:
            continue
        pattern = quoted.group(1)
        heavy[pattern] = set(folder_names(cells[1], f"the heavy-header row of {pattern}"))
    if not heavy:
        problems.append(f"{doc.name}: no heavy-header table (a table whose header starts with | header |) was found")

    public = re.search(r"Every\s+header\s+of\s+((?:`[a-z0-9_]+`(?:,\s*|\s+and\s+)?)+)\s+is\s+public", text)
    all_public = set(re.findall(r"`([a-z0-9_]+)`", public.group(1))) if public else set()
    return may_use, arrows, heavy, all_public


def cmake_links(src, folders):
    """{folder: set of folders its frugal_ target links}, from every CMakeLists.txt under src/."""
    links = {}
    for cmake in sorted(src.rglob("CMakeLists.txt")):
        text = re.sub(r"#[^\n]*", "", cmake.read_text())
        for m in re.finditer(r"target_link_libraries\s*\(\s*(frugal(?:_[a-z0-9_]+)?)\b(.*?)\)", text, re.S):
            target = m.group(1)
            name = MAIN if target == "frugal" else target.removeprefix("frugal_")
            if name != MAIN and name not in folders:
                continue
            linked = {x for x in re.findall(r"(?<![\w{])frugal_([a-z0-9_]+)\b", m.group(2)) if x in folders}
            links.setdefault(name, set()).update(linked)
    return links


def sources(src, folders):
    """(folder, path) for every source file: src/<folder>/**, and src/*.cpp as MAIN."""
    for path in sorted(src.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
            continue
        rel = path.relative_to(src)
        yield (rel.parts[0] if len(rel.parts) > 1 else MAIN), path


def closure(name, may_use):
    seen, todo = set(), list(may_use.get(name, ()))
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(may_use.get(n, ()))
    return seen


def check(root):
    """The problems found, one line each; empty when the map is true."""
    root = pathlib.Path(root)
    src, doc = root / "src", root / "docs" / "ARCHITECTURE.md"
    folders = sorted(p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))
    problems = []
    try:
        may_use, arrows, heavy, all_public = read_map(doc, folders, problems)
    except MapError as e:
        return [str(e)]

    def where(path):
        return path.relative_to(root).as_posix()

    for name in folders + [MAIN]:
        if name not in may_use:
            problems.append(f"{name}: src/{name} has no row in the table of docs/ARCHITECTURE.md")
    for name in sorted(set(may_use) - set(folders) - {MAIN}):
        problems.append(f"{name}: the map has a row for src/{name}, which does not exist")

    # 1. may use == links
    links = cmake_links(src, folders)
    for name in sorted(may_use):
        linked = links.get(name, set())
        target = "frugal" if name == MAIN else f"frugal_{name}"
        for x in sorted(linked - may_use[name]):
            problems.append(f"{name}: CMake links {target} to frugal_{x}, but the map's 'may use' for {name} lacks {x}")
        for x in sorted(may_use[name] - linked):
            problems.append(f"{name}: the map says {name} may use {x}, but CMake does not link {target} to frugal_{x}")

    # 2. diagram == links as the table states them
    stated = {(dep, name) for name, deps in may_use.items() for dep in deps}
    for a, b in sorted(arrows - stated):
        problems.append(f"{b}: the diagram has {a} → {b}, but the table's 'may use' for {b} lacks {a}")
    for a, b in sorted(stated - arrows):
        problems.append(f"{b}: the table says {b} may use {a}, but no diagram line has {a} → {b}")

    # 3. and 4. includes of our own headers; 5. heavy headers
    heavy_seen = {h: set() for h in heavy}
    include = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]', re.M)
    for name, path in sources(src, folders):
        allowed = closure(name, may_use) | {name}
        public_header = path.name == f"{name}.h" and path.parent == src / name
        for m in include.finditer(path.read_text(errors="replace")):
            quote, inc = m.groups()
            first = inc.split("/")[0]
            if quote == '"' and "/" in inc and first in folders and first != name:
                if first not in allowed:
                    problems.append(f"{name}: {where(path)} includes \"{inc}\", but {name} may not use {first}")
                elif first not in all_public and inc != f"{first}/{first}.h":
                    problems.append(f"{name}: {where(path)} includes \"{inc}\", a header private to {first} "
                                    f"(include {first}/{first}.h)")
            for pattern, places in heavy.items():
                if fnmatch.fnmatch(inc, pattern):
                    heavy_seen[pattern].add(name)
                    if name not in places:
                        problems.append(f"{name}: {where(path)} includes <{inc}>, which the map keeps to "
                                        f"{', '.join(sorted(places)) or 'no folder'}")
                    elif public_header:
                        problems.append(f"{name}: the public header {where(path)} includes <{inc}>; "
                                        f"keep it in a .cpp or a private header")
    for pattern, places in heavy.items():
        for name in sorted(places - heavy_seen[pattern]):
            problems.append(f"{name}: the map lists {name} as including <{pattern}>, but none of its files does")
    return problems


def self_test():
    """Builds a three-folder tree whose map is true, then breaks it one way at a time."""
    doc = """# Architecture
```
a → b → c → main
```
| folder | library | what | may use |
|---|---|---|---|
| `src/a` | `frugal_a` | x | nothing |
| `src/b` | `frugal_b` | x | a |
| `src/c` | `frugal_c` | x | b (and so a) |
| `src/main.cpp` | `frugal` | x | c |

Every header of `a` is public.

| header | included in |
|---|---|
| `heavy/*` | b |
"""
    files = {
        "docs/ARCHITECTURE.md": doc,
        "src/CMakeLists.txt": "add_executable(frugal main.cpp)\ntarget_link_libraries(frugal PRIVATE frugal_c frugal_warnings)\n",
        "src/main.cpp": '#include "c/c.h"\n',
        "src/a/CMakeLists.txt": "add_library(frugal_a x.cpp)\ntarget_link_libraries(frugal_a PRIVATE frugal_warnings)\n",
        "src/a/x.h": "",
        "src/b/CMakeLists.txt": "add_library(frugal_b b.cpp)\ntarget_link_libraries(frugal_b PUBLIC frugal_a)  # frugal_c\n",
        "src/b/b.h": "",
        "src/b/b.cpp": '#include "a/x.h"\n#include <heavy/json.hpp>\n',
        "src/c/CMakeLists.txt": "add_library(frugal_c c.cpp)\ntarget_link_libraries(frugal_c\n  PUBLIC frugal_b)\n",
        "src/c/c.h": '#include "b/b.h"\n',
        "src/c/c.cpp": '#include "a/x.h"\n#include "c/c.h"\n',
    }
    breaks = [  # (file, text to append or replace as (old, new), what the report must say)
        ("src/a/CMakeLists.txt", "target_link_libraries(frugal_a PRIVATE frugal_c)\n", "a: CMake links frugal_a to frugal_c"),
        ("src/c/CMakeLists.txt", ("frugal_b", "frugal_a"), "c: the map says c may use b, but CMake does not link"),
        ("src/b/b.cpp", '#include "c/c.h"\n', 'b: src/b/b.cpp includes "c/c.h", but b may not use c'),
        ("src/c/c.cpp", '#include "b/private.h"\n', "a header private to b"),
        ("src/c/c.cpp", "#include <heavy/other.h>\n", "c: src/c/c.cpp includes <heavy/other.h>"),
        ("src/b/b.h", "#include <heavy/json.hpp>\n", "b: the public header src/b/b.h includes"),
        ("src/b/b.cpp", ("#include <heavy/json.hpp>\n", ""), "b: the map lists b as including <heavy/*>"),
        ("docs/ARCHITECTURE.md", ("a → b → c → main", "a → b\nb → c → main\na → c"), "c: the diagram has a → c"),
        ("docs/ARCHITECTURE.md", ("a → b → c → main", "a → b\nc → main"), "no diagram line has b → c"),
        ("docs/ARCHITECTURE.md", ("| b (and so a) |", "| b, d |"), "'d', which is not a folder"),
        ("docs/ARCHITECTURE.md", ("Every header of `a` is public.", ""), 'includes "a/x.h", a header private to a'),
        ("docs/ARCHITECTURE.md", ("| `src/c` | `frugal_c` | x | b (and so a) |\n", ""), "c: src/c has no row"),
    ]
    failures = 0
    for i, brk in enumerate([None] + breaks):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            for rel, text in files.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text)
            if brk:
                rel, change, _ = brk
                old = (root / rel).read_text()
                (root / rel).write_text(old.replace(*change) if isinstance(change, tuple) else old + change)
            problems = check(root)
            if brk is None and problems:
                print("self-test: the true map was reported:\n  " + "\n  ".join(problems))
                failures += 1
            elif brk and not any(brk[2] in p for p in problems):
                print(f"self-test: break {i} ({brk[2]!r}) was not reported; got: {problems}")
                failures += 1
    print(f"{len(breaks) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    root = pathlib.Path(argv[1]) if len(argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"docs/ARCHITECTURE.md no longer matches src/: {len(problems)} problem(s). "
              "Fix the code, or the map if the change is intended.")
        return 1
    print("docs/ARCHITECTURE.md matches src/ (links, diagram, includes, heavy headers)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
