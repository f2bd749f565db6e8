# SPDX-License-Identifier: Apache-2.0
"""kubeapi -- the pure parts of kube-standin (a stand-in for the Kubernetes
API server, for tests only): Status errors, label and field selectors,
merge and JSON patches, and the two views of an Event.  No I/O; imported by
tests/kube/kube-standin and tested by tests/kube/test-kubeapi.py."""

import copy
import re

# ---------------------------------------------------------------------------
# Errors, as the real server's Status objects.

class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {},
             "status": "Failure", "message": self.message,
             "reason": self.reason, "code": self.code}
        if self.details:
            s["details"] = self.details
        return s


def details(res, name):
    d = {"name": name, "kind": res.plural}
    if res.group:
        d["group"] = res.group
    return d


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found'
                    % (res.qualified, name), details(res, name))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid(res, name, causes):
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s'
                    % (res.kind, name, "; ".join(causes)),
                    dict(details(res, name), causes=[
                        {"reason": "FieldValueInvalid", "message": c}
                        for c in causes]))


def conflict(res, name):
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": the object '
                    "has been modified; please apply your changes to the "
                    "latest version and try again" % (res.qualified, name),
                    details(res, name))


def expired(message):
    return ApiError(410, "Expired", message)


# ---------------------------------------------------------------------------
# Selectors.

NAME_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
DNS1123_SUBDOMAIN_RE = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def valid_label_key(key):
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253
                       or not DNS1123_SUBDOMAIN_RE.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(NAME_RE.match(name))


def valid_label_value(value):
    return value == "" or (len(value) <= 63 and bool(NAME_RE.match(value)))


def tokenize_labels(s):
    tokens, i = [], 0
    while i < len(s):
        c = s[i]
        if c.isspace():
            i += 1
        elif c in "(),":
            tokens.append(c)
            i += 1
        elif s.startswith("!=", i) or s.startswith("==", i):
            tokens.append(s[i:i + 2])
            i += 2
        elif c in "!=<>":
            tokens.append(c)
            i += 1
        else:
            j = i
            while j < len(s) and not s[j].isspace() and s[j] not in "(),!=<>":
                j += 1
            tokens.append(("id", s[i:j]))
            i = j
    return tokens


def parse_label_selector(s):
    """A list of (key, op, values) requirements; raises ApiError(400)."""
    if not s or not s.strip():
        return []
    toks = tokenize_labels(s)
    reqs, i = [], 0

    def fail(why):
        raise bad_request('unable to parse requirement: %s (in "%s")'
                          % (why, s))

    def ident(tok):
        return tok[1] if isinstance(tok, tuple) else None

    def show(k):
        if k >= len(toks):
            return "end of string"
        return ident(toks[k]) if ident(toks[k]) is not None else toks[k]

    while True:
        if i < len(toks) and toks[i] == "!":
            key = ident(toks[i + 1]) if i + 1 < len(toks) else None
            if key is None:
                fail("'!' must be followed by a key")
            reqs.append((key, "!", []))
            i += 2
        else:
            key = ident(toks[i]) if i < len(toks) else None
            if key is None:
                fail("found '%s', expected: identifier" % show(i))
            i += 1
            op = toks[i] if i < len(toks) else None
            if op is None or op == ",":
                reqs.append((key, "exists", []))
            elif op in ("=", "==", "!="):
                i += 1
                value = ""
                if i < len(toks) and ident(toks[i]) is not None:
                    value = ident(toks[i])
                    i += 1
                reqs.append((key, "!=" if op == "!=" else "=", [value]))
            elif op in ("<", ">"):
                i += 1
                value = ident(toks[i]) if i < len(toks) else None
                if value is None or not re.match(r"^-?\d+$", value):
                    fail("for '%s', the value must be an integer" % op)
                i += 1
                reqs.append((key, op, [value]))
            elif ident(op) in ("in", "notin"):
                i += 1
                if i >= len(toks) or toks[i] != "(":
                    fail("found '%s', expected: '('" % show(i))
                i += 1
                values = []
                while True:
                    if i < len(toks) and ident(toks[i]) is not None:
                        values.append(ident(toks[i]))
                        i += 1
                    elif i < len(toks) and toks[i] in (",", ")"):
                        values.append("")
                    else:
                        fail("found end of string, expected: ',', ')'")
                    if i < len(toks) and toks[i] == ",":
                        i += 1
                        continue
                    if i < len(toks) and toks[i] == ")":
                        i += 1
                        break
                    fail("expected ',' or ')'")
                reqs.append((key, ident(op), values))
            else:
                fail("found '%s', expected: '=', '!=', '==', 'in', 'notin'"
                     % show(i))
        if not valid_label_key(reqs[-1][0]):
            fail("invalid label key \"%s\"" % reqs[-1][0])
        for v in reqs[-1][2]:
            if reqs[-1][1] not in ("<", ">") and not valid_label_value(v):
                fail("invalid label value: \"%s\"" % v)
        if i >= len(toks):
            return reqs
        if toks[i] != ",":
            fail("found '%s', expected: ','" % show(i))
        i += 1


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, values in reqs:
        has = key in labels
        v = labels.get(key)
        if op == "exists" and not has:
            return False
        if op == "!" and has:
            return False
        if op in ("=", "in") and (not has or v not in values):
            return False
        if op in ("!=", "notin") and has and v in values:
            return False
        if op in ("<", ">"):
            try:
                n = int(v)
            except (TypeError, ValueError):
                return False
            if (op == "<" and not n < int(values[0])) or \
                    (op == ">" and not n > int(values[0])):
                return False
    return True


def split_unescaped(s, sep):
    parts, cur, i = [], "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]
            i += 2
        elif s[i] == sep:
            parts.append(cur)
            cur = ""
            i += 1
        else:
            cur += s[i]
            i += 1
    parts.append(cur)
    return parts


def unescape_field_value(v):
    out, i = "", 0
    while i < len(v):
        if v[i] == "\\":
            if i + 1 >= len(v) or v[i + 1] not in "\\,=":
                raise bad_request("invalid field selector: invalid escape "
                                  "sequence in \"%s\"" % v)
            out += v[i + 1]
            i += 2
        elif v[i] in ",=":
            raise bad_request("invalid field selector: unescaped '%s' in "
                              "\"%s\"" % (v[i], v))
        else:
            out += v[i]
            i += 1
    return out


def parse_field_selector(s, res):
    """A list of (storage field, op, value); 400 for a field the real
    server does not index for this resource."""
    if not s:
        return []
    reqs = []
    for term in split_unescaped(s, ","):
        if not term:
            continue
        m = None
        for op in ("!=", "==", "="):
            k = term.find(op)
            if k > 0:
                m = (term[:k], "!=" if op == "!=" else "=",
                     term[k + len(op):])
                break
        if not m:
            raise bad_request("invalid selector: '%s'; can't understand '%s'"
                              % (s, term))
        field, op, value = m
        if field not in res.fields:
            raise bad_request('field label not supported: %s' % field)
        if res.field_map:
            field = res.field_map[field]
        reqs.append((field, op, unescape_field_value(value)))
    return reqs


def field_value(obj, field):
    if field == "source":           # core/v1 events: the source component
        return str((obj.get("source") or {}).get("component", ""))
    cur = obj
    for part in field.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return "" if cur is None else str(cur)


def fields_match(reqs, obj):
    for field, op, value in reqs:
        if (field_value(obj, field) == value) != (op == "="):
            return False
    return True


# ---------------------------------------------------------------------------
# Patches.

def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def is_plain_map_patch(patch):
    """True when a strategic merge patch means what a merge patch means."""
    if isinstance(patch, list):
        return False
    if isinstance(patch, dict):
        return all(not k.startswith("$") and is_plain_map_patch(v)
                   for k, v in patch.items())
    return True


class PatchError(Exception):
    pass


def pointer_parts(ptr):
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise PatchError("invalid JSON pointer \"%s\"" % ptr)
    return [p.replace("~1", "/").replace("~0", "~")
            for p in ptr[1:].split("/")]


def pointer_parent(doc, ptr):
    parts = pointer_parts(ptr)
    if not parts:
        raise PatchError("the root cannot be the target of this operation")
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
            cur = cur[int(p)]
        else:
            raise PatchError("path \"%s\" does not exist" % ptr)
    return cur, parts[-1]


def pointer_get(doc, ptr):
    if ptr == "":
        return doc
    parent, last = pointer_parent(doc, ptr)
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError("path \"%s\" does not exist" % ptr)


def pointer_add(doc, ptr, value):
    parent, last = pointer_parent(doc, ptr)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise PatchError("index \"%s\" out of range" % ptr)
    else:
        raise PatchError("path \"%s\" does not exist" % ptr)


def pointer_remove(doc, ptr):
    parent, last = pointer_parent(doc, ptr)
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise PatchError("path \"%s\" does not exist" % ptr)


def json_patch(doc, ops):
    """RFC 6902."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch is a list of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise PatchError("operation without a path")
        kind, path = op.get("op"), op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise PatchError("%s operation without a value" % kind)
        if kind == "add":
            pointer_add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            pointer_remove(doc, path)
        elif kind == "replace":
            pointer_remove(doc, path)
            pointer_add(doc, path, copy.deepcopy(op["value"]))
        elif kind in ("move", "copy"):
            src = op.get("from")
            if not isinstance(src, str):
                raise PatchError("%s operation without from" % kind)
            value = (pointer_remove(doc, src) if kind == "move"
                     else copy.deepcopy(pointer_get(doc, src)))
            pointer_add(doc, path, value)
        elif kind == "test":
            if pointer_get(doc, path) != op["value"]:
                raise PatchError("testing value %s failed" % path)
        else:
            raise PatchError("unknown operation \"%s\"" % kind)
    return doc


# ---------------------------------------------------------------------------
# Events: one storage, two views.

CORE_TO_V1 = [("involvedObject", "regarding"), ("message", "note"),
              ("reportingComponent", "reportingController"),
              ("source", "deprecatedSource"),
              ("firstTimestamp", "deprecatedFirstTimestamp"),
              ("lastTimestamp", "deprecatedLastTimestamp"),
              ("count", "deprecatedCount")]
SAME_NAMES = ["metadata", "eventTime", "series", "reportingInstance",
              "action", "reason", "related", "type"]


def event_view(ev, api_version, renames):
    """'ev' as the Event of 'api_version', its fields renamed by the
    (from, to) pairs of 'renames'; empty fields left out."""
    out = {"kind": "Event", "apiVersion": api_version}
    for k in SAME_NAMES:
        if ev.get(k) not in (None, "", {}):
            out[k] = ev[k]
    for a, b in renames:
        if ev.get(a) not in (None, "", {}, 0):
            out[b] = ev[a]
    return out


def event_core_to_v1(ev):
    out = event_view(ev, "events.k8s.io/v1", CORE_TO_V1)
    out.setdefault("eventTime", None)
    return out


def event_v1_to_core(ev):
    return event_view(ev, "v1", [(b, a) for a, b in CORE_TO_V1])


def validate_event_v1(ev, name):
    causes = []
    for f in ("eventTime", "reportingController", "reportingInstance",
              "action", "reason"):
        if not ev.get(f):
            causes.append("%s: Required value" % f)
    if ev.get("type") not in ("Normal", "Warning"):
        causes.append('type: Unsupported value: "%s": supported values: '
                      '"Normal", "Warning"' % ev.get("type"))
    if len(ev.get("note") or "") > 1024:
        causes.append("note: Too long: may not be longer than 1024")
    return causes

