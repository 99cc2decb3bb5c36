#!/usr/bin/env python3
"""Fills the introspection fields of command-table entries from Debian's redis-server 7.0, the
reference: Redis's key-spec flags (.key_flags/.key_notes, or .key_specs arrays for commands with
several specs or numkeys), tips (.tips) and COMMAND DOCS's arguments, history and deprecation
(.args, .history, .deprecated_since, .replaced_by; syntax in src/commands/command.h). Fields an
entry already has are left alone. Positional entries are rewritten with designated initializers.
Review the diff: it is data from Redis, not a judgement of what redraft does.

    tools/command_specs_from_redis.py src/commands/zsets.cc [more family files...]
"""
import ast
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

FIELDS = ["name", "arity", "flags", "first_key", "last_key", "key_step", "group", "since", "summary",
          "complexity", "execute", "prepare", "apply"]


def resp_call(sock, f, *args):
    sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))
    return read(f)


def read(f):
    line = f.readline()[:-2]
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode()
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [read(f) for _ in range(n)]
    raise ValueError(line)


def reference_info(names):
    """COMMAND INFO of each name from a throwaway redis-server."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    tmp = tempfile.mkdtemp(prefix="redis-specs-")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        f = sock.makefile("rb")
        out = {}
        for name in names:
            info = resp_call(sock, f, "COMMAND", "INFO", name)[0]
            if info is None:
                continue
            specs = []
            for spec in info[8]:
                d = dict(zip(spec[0::2], spec[1::2]))
                bs, fk = dict(zip(d["begin_search"][0::2], d["begin_search"][1::2])), \
                    dict(zip(d["find_keys"][0::2], d["find_keys"][1::2]))
                specs.append(dict(notes=d.get("notes"), flags=" ".join(d["flags"]),
                                  bs=(bs["type"], dict(zip(bs["spec"][0::2], bs["spec"][1::2]))),
                                  fk=(fk["type"], dict(zip(fk["spec"][0::2], fk["spec"][1::2])))))
            docs = resp_call(sock, f, "COMMAND", "DOCS", name)
            docs = dict(zip(docs[1][0::2], docs[1][1::2])) if docs else {}
            out[name] = dict(tips=" ".join(info[7]), specs=specs, docs=docs)
        return out
    finally:
        proc.kill()
        proc.wait()


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def spec_cpp(sp):
    f = [".flags = " + cstr(sp["flags"])]
    bt, bs = sp["bs"]
    f += [".index = %d" % bs["index"]] if bt == "index" else \
        [".keyword = " + cstr(bs["keyword"]), ".startfrom = %d" % bs["startfrom"]]
    ft, fk = sp["fk"]
    if ft == "range":
        f.append(".lastkey = %d" % fk["lastkey"])
        if fk["keystep"] != 1:
            f.append(".keystep = %d" % fk["keystep"])
        if fk["limit"]:
            f.append(".limit = %d" % fk["limit"])
    else:
        f += [".keynum = true", ".keynumidx = %d" % fk["keynumidx"], ".firstkey = %d" % fk["firstkey"]]
        if fk["keystep"] != 1:
            f.append(".keystep = %d" % fk["keystep"])
    if sp["notes"]:
        f.append(".notes = " + cstr(sp["notes"]))
    return "{" + ", ".join(f) + "}"


FLAG_CHARS = {"optional": "?", "multiple": "*", "multiple_token": "+"}


def encode_args(args):
    """COMMAND DOCS arguments in CommandSpec::args syntax."""
    out = []
    for a in args:
        d = dict(zip(a[0::2], a[1::2]))
        unknown = set(d) - {"name", "type", "key_spec_index", "token", "since", "deprecated_since", "flags",
                            "arguments"}
        if unknown:
            raise ValueError(f"argument fields the syntax has no room for: {unknown}")
        name = d["name"]
        if re.search(r"[^A-Za-z0-9_-]", name):
            if "'" in name:
                raise ValueError(f"argument name the syntax cannot quote: {name}")
            name = "'" + name + "'"
        s = name + ":" + d["type"]
        if "key_spec_index" in d:
            s += "@%d" % d["key_spec_index"]
        if "token" in d:
            tok = d["token"]
            s += "=" + (f"'{tok}'" if re.search(r"[/!?*+() ']", tok) else tok)
        if "since" in d:
            s += "/" + d["since"]
        if "deprecated_since" in d:
            s += "!" + d["deprecated_since"]
        s += "".join(FLAG_CHARS[f] for f in d.get("flags", []))
        if "arguments" in d:
            s += "(" + encode_args(d["arguments"]) + ")"
        out.append(s)
    return " ".join(out)


def doc_fields(docs, have):
    out = []
    if docs.get("arguments") and ".args" not in have:
        out.append(".args = " + cstr(encode_args(docs["arguments"])))
    if docs.get("history") and ".history" not in have:
        out.append(".history = " + cstr("\n".join(v + " " + t for v, t in docs["history"])))
    if docs.get("deprecated_since") and ".deprecated_since" not in have:
        out.append(".deprecated_since = " + cstr(docs["deprecated_since"]))
    if docs.get("replaced_by") and ".replaced_by" not in have:
        out.append(".replaced_by = " + cstr(docs["replaced_by"]))
    return out


def extras(ref, name, first, last, step, arrays):
    r = ref.get(name)
    if r is None:
        return []
    out, specs = [], r["specs"]
    lastkey = last if last < 0 else last - first
    simple = (len(specs) == 1 and specs[0]["bs"] == ("index", {"index": first}) and specs[0]["fk"][0] == "range"
              and specs[0]["fk"][1] == {"lastkey": lastkey, "keystep": step, "limit": 0})
    if simple:
        out.append(".key_flags = " + cstr(specs[0]["flags"]))
        if specs[0]["notes"]:
            out.append(".key_notes = " + cstr(specs[0]["notes"]))
    elif specs:
        arr = "k" + name.capitalize() + "Keys"
        arrays.append("constexpr KeySpec %s[] = {\n%s\n};" % (arr, ",\n".join("    " + spec_cpp(s) for s in specs)))
        out.append(".key_specs = " + arr)
    if r["tips"]:
        out.append(".tips = " + cstr(r["tips"]))
    return out


def split_top(s):
    out, depth, cur, quoted, i = [], 0, "", False, 0
    while i < len(s):
        ch = s[i]
        if quoted:
            cur += ch
            if ch == "\\":
                cur += s[i + 1]
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
            cur += ch
        elif ch in "({[":
            depth += 1
            cur += ch
        elif ch in ")}]":
            depth -= 1
            cur += ch
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if cur.strip():
        out.append(cur.strip())
    return out


def split_literal(field, width):
    """A `.name = "long string"` field as adjacent literals, one per line, within width."""
    key, value = field.split(" = ", 1)
    text = ast.literal_eval(value)  # adjacent C literals concatenate as in Python
    first = "     " + key + " = "
    room = width - len(first) - 2
    chunks, cur = [], ""
    for word in re.split(r"(?<= )", text):
        if cur and len(cstr(cur + word)) > room:
            chunks.append(cur)
            cur = ""
        cur += word
    chunks.append(cur)
    return first + ("\n" + " " * (len(first))).join(cstr(c) for c in chunks)


def wrap(fields, width=118):
    lines, cur = [], "    {"
    for i, f in enumerate(fields):
        piece = f + ("," if i < len(fields) - 1 else "},")
        if len("     " + piece) > width and re.match(r'\.\w+ = "', f):
            if cur not in ("    {", "     "):
                lines.append(cur)
            elif cur == "    {":
                lines.append("    {")
            lines.append(split_literal(f, width) + piece[len(f):])
            cur = "     "
            continue
        if cur not in ("    {", "     ") and len(cur) + 1 + len(piece) > width:
            lines.append(cur)
            cur = "     "
        cur += ("" if cur in ("    {", "     ") else " ") + piece
    if cur != "     ":
        lines.append(cur)
    out = "\n".join(lines)
    return out.replace("    {\n     ", "    {", 1)


def entries(body):
    """The top-level {...} items of a table body, each with the comment lines before it."""
    items, depth, cur, quoted, i = [], 0, "", False, 0
    while i < len(body):
        ch = body[i]
        cur += ch
        if quoted:
            if ch == "\\":
                cur += body[i + 1]
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                j = i + 1
                if body[j] == ",":
                    j += 1
                items.append(cur.strip())
                cur, i = "", j
                continue
        i += 1
    return items


def annotate(path):
    src = open(path).read()
    tables = list(re.finditer(r"\n((?:extern )?const CommandSpec k\w+\[\] = \{\n)(.*?)\n    \{\},\n\};", src, re.S))
    for m in reversed(tables):  # later tables first, so earlier offsets stay valid
        src = annotate_table(src, m)
    open(path, "w").write(src)


def annotate_table(src, m):
    head, items = m.group(1), entries(m.group(2))
    parsed = []
    for it in items:
        lines = it.split("\n")
        comment = ""
        while lines[0].strip().startswith("//"):
            comment += "    " + lines[0].strip() + "\n"
            lines = lines[1:]
        text = "\n".join(lines).strip()
        toks = [re.sub(r'"\s*\n\s*"', '" "', t) for t in split_top(text[1:text.rindex("}")])]
        if toks[0].startswith("."):
            fields = toks
            d = {t.split(" = ", 1)[0][1:]: t.split(" = ", 1)[1] for t in toks}
        else:
            fields = ["." + FIELDS[k] + " = " + t for k, t in enumerate(toks) if t != "nullptr"]
            d = {FIELDS[k]: t for k, t in enumerate(toks)}
        parsed.append((comment, fields, d))
    ref = reference_info([ast.literal_eval(d["name"]) for _, _, d in parsed])
    arrays, out = [], []
    for comment, fields, d in parsed:
        name = ast.literal_eval(d["name"])
        have = {f.split(" = ", 1)[0] for f in fields}
        if not have & {".key_flags", ".key_specs", ".tips"}:
            fields = fields + extras(ref, name, int(d["first_key"]), int(d["last_key"]), int(d["key_step"]), arrays)
        if name in ref:
            fields = fields + doc_fields(ref[name]["docs"], have)
        out.append(comment + wrap(fields))
    new = "\n".join(arrays) + ("\n\n" if arrays else "") + head + "\n".join(out) + "\n    {},\n};"
    return src[:m.start() + 1] + new + src[m.end():]


if __name__ == "__main__":
    for p in sys.argv[1:]:
        annotate(p)
