#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Unit tests of tests/kube/kubeapi.py, the pure parts of the Kubernetes
API stand-in: selectors as the real server parses and matches them
(k8s.io/apimachinery labels and fields), RFC 7386 and RFC 6902 patches,
and the two views of an Event."""

import os
import sys
import unittest

sys.dont_write_bytecode = True     # nothing written to the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import kubeapi  # noqa: E402
from kubeapi import ApiError  # noqa: E402


class Res:
    """A resource as kubeapi sees one."""
    def __init__(self, fields, field_map=None):
        self.fields, self.field_map = set(fields), field_map
        self.plural, self.group, self.kind = "pods", "", "Pod"


PODS = Res({"metadata.name", "spec.nodeName", "spec.hostNetwork",
            "status.phase"})


def sel(s, labels):
    return kubeapi.labels_match(kubeapi.parse_label_selector(s), labels)


class LabelSelectors(unittest.TestCase):
    def test_equality(self):
        self.assertTrue(sel("a=b", {"a": "b"}))
        self.assertTrue(sel("a==b", {"a": "b", "c": "d"}))
        self.assertFalse(sel("a=b", {"a": "c"}))
        self.assertFalse(sel("a=b", {}))
        self.assertTrue(sel("a=", {"a": ""}))

    def test_inequality_matches_absent(self):
        self.assertTrue(sel("a!=b", {}))
        self.assertTrue(sel("a!=b", {"a": "c"}))
        self.assertFalse(sel("a!=b", {"a": "b"}))

    def test_sets(self):
        s = "kubevirt.io/nodeName in (node1, node2)"
        self.assertTrue(sel(s, {"kubevirt.io/nodeName": "node2"}))
        self.assertFalse(sel(s, {"kubevirt.io/nodeName": "node3"}))
        self.assertFalse(sel(s, {}))
        self.assertTrue(sel("a notin (x,y)", {}))
        self.assertFalse(sel("a notin (x,y)", {"a": "y"}))

    def test_exists(self):
        self.assertTrue(sel("kubevirt.io/migrationJobUID",
                            {"kubevirt.io/migrationJobUID": "u"}))
        self.assertFalse(sel("!kubevirt.io/migrationJobUID",
                             {"kubevirt.io/migrationJobUID": "u"}))
        self.assertTrue(sel("!a,b", {"b": ""}))

    def test_conjunction(self):
        s = "kubevirt.io=virt-launcher,kubevirt.io/created-by=u1"
        self.assertTrue(sel(s, {"kubevirt.io": "virt-launcher",
                                "kubevirt.io/created-by": "u1"}))
        self.assertFalse(sel(s, {"kubevirt.io": "virt-launcher"}))

    def test_numbers(self):
        self.assertTrue(sel("n>3", {"n": "4"}))
        self.assertFalse(sel("n<3", {"n": "x"}))

    def test_empty_matches_all(self):
        self.assertTrue(sel("", {}))

    def test_bad(self):
        for s in ("a=b,", "=b", "a in b", "a in (b", "a=b c", "!", "a/=b",
                  "a=b!", "in (a)x", "a=" + "x" * 64, "-a=b", "a=-b"):
            with self.assertRaises(ApiError, msg=s) as cm:
                kubeapi.parse_label_selector(s)
            self.assertEqual(cm.exception.code, 400)


class FieldSelectors(unittest.TestCase):
    def match(self, s, obj, res=PODS):
        return kubeapi.fields_match(kubeapi.parse_field_selector(s, res), obj)

    def test_node(self):
        pod = {"metadata": {"name": "p"}, "spec": {"nodeName": "node1"}}
        self.assertTrue(self.match("spec.nodeName=node1", pod))
        self.assertTrue(self.match("spec.nodeName==node1", pod))
        self.assertFalse(self.match("spec.nodeName!=node1", pod))
        self.assertFalse(self.match("spec.nodeName=node2", pod))
        self.assertTrue(self.match("spec.nodeName=", {"spec": {}}))
        self.assertTrue(self.match(
            "metadata.name=p,spec.nodeName=node1", pod))

    def test_bool(self):
        self.assertTrue(self.match("spec.hostNetwork=false",
                                   {"spec": {"hostNetwork": False}}))

    def test_escapes(self):
        obj = {"metadata": {"name": "a,b=c"}}
        self.assertTrue(self.match(r"metadata.name=a\,b\=c", obj))
        with self.assertRaises(ApiError):
            kubeapi.parse_field_selector(r"metadata.name=a\x", PODS)

    def test_unindexed_field_is_refused(self):
        # As the real server: a CRD or a pod field it does not index.
        with self.assertRaises(ApiError) as cm:
            kubeapi.parse_field_selector("status.nodeName=n", PODS)
        self.assertEqual(cm.exception.code, 400)
        self.assertIn("field label not supported", cm.exception.message)

    def test_mapped_labels(self):
        res = Res({"regarding.name"}, {"regarding.name":
                                       "involvedObject.name"})
        reqs = kubeapi.parse_field_selector("regarding.name=vm1", res)
        self.assertEqual(reqs, [("involvedObject.name", "=", "vm1")])


class Patches(unittest.TestCase):
    def test_merge_patch_rfc7386_examples(self):
        # RFC 7386, Appendix A.
        cases = [({"a": "b"}, {"a": "c"}, {"a": "c"}),
                 ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
                 ({"a": "b"}, {"a": None}, {}),
                 ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
                 ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
                 ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
                 ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}},
                  {"a": {"b": "d"}}),
                 ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
                 ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
                 ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}})]
        for target, patch, want in cases:
            self.assertEqual(kubeapi.merge_patch(target, patch), want)

    def test_merge_patch_leaves_target(self):
        target = {"a": {"b": 1}}
        kubeapi.merge_patch(target, {"a": {"b": 2}})
        self.assertEqual(target, {"a": {"b": 1}})

    def test_json_patch(self):
        doc = {"metadata": {"annotations": {"x": "1"}}, "l": [1, 2]}
        out = kubeapi.json_patch(doc, [
            {"op": "test", "path": "/metadata/annotations/x", "value": "1"},
            {"op": "add", "path": "/metadata/annotations/ovnmig.io~1network",
             "value": "vm1.ns"},
            {"op": "remove", "path": "/metadata/annotations/x"},
            {"op": "add", "path": "/l/-", "value": 3},
            {"op": "replace", "path": "/l/0", "value": 0},
            {"op": "move", "from": "/l/2", "path": "/m"},
            {"op": "copy", "from": "/m", "path": "/n"}])
        self.assertEqual(out, {"metadata": {"annotations": {
            "ovnmig.io/network": "vm1.ns"}}, "l": [0, 2], "m": 3, "n": 3})
        self.assertEqual(doc["l"], [1, 2])

    def test_json_patch_errors(self):
        for ops in ([{"op": "test", "path": "/a", "value": 2}],
                    [{"op": "remove", "path": "/zz"}],
                    [{"op": "add", "path": "/l/9", "value": 1}],
                    [{"op": "jump", "path": "/a"}],
                    [{"op": "add", "path": "a", "value": 1}],
                    {"op": "add"}):
            with self.assertRaises(kubeapi.PatchError, msg=str(ops)):
                kubeapi.json_patch({"a": 1, "l": []}, ops)

    def test_strategic_subset(self):
        self.assertTrue(kubeapi.is_plain_map_patch(
            {"metadata": {"labels": {"a": "b", "c": None}}}))
        self.assertFalse(kubeapi.is_plain_map_patch(
            {"spec": {"containers": [{"name": "c"}]}}))
        self.assertFalse(kubeapi.is_plain_map_patch({"$patch": "delete"}))


class Events(unittest.TestCase):
    def test_round_trip(self):
        v1 = {"kind": "Event", "apiVersion": "events.k8s.io/v1",
              "metadata": {"name": "e", "namespace": "ns"},
              "eventTime": "2024-01-01T00:00:00.000000Z",
              "reportingController": "ovnmig.io/ovnmigd",
              "reportingInstance": "ovnmigd-node1", "action": "Activate",
              "reason": "PortActivated", "type": "Normal",
              "regarding": {"kind": "VirtualMachineInstance", "name": "vm1"},
              "note": "port vm1.ns active on node2 after 12 ms"}
        core = kubeapi.event_v1_to_core(v1)
        self.assertEqual(core["apiVersion"], "v1")
        self.assertEqual(core["message"], v1["note"])
        self.assertEqual(core["involvedObject"]["name"], "vm1")
        self.assertEqual(core["reportingComponent"], "ovnmig.io/ovnmigd")
        self.assertEqual(kubeapi.event_core_to_v1(core), v1)
        self.assertEqual(kubeapi.validate_event_v1(v1, "e"), [])

    def test_v1_requires_fields(self):
        causes = kubeapi.validate_event_v1({"type": "Bad"}, "e")
        for f in ("eventTime", "reportingController", "reportingInstance",
                  "action", "reason", "type"):
            self.assertTrue(any(c.startswith(f) for c in causes), f)


if __name__ == "__main__":
    unittest.main()
