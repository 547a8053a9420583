#!/usr/bin/env python3
"""gobgp-feed.py: hand gobgpd's gRPC API the BGP-LS routes `pce bgp-ls-originate` prints.

    gobgp-feed.py --api 127.0.0.1:50051 add ROUTES          originate every line of ROUTES
    gobgp-feed.py --api 127.0.0.1:50051 withdraw ROUTES I J  withdraw lines I..J (0-based, inclusive)
    gobgp-feed.py --raw add ROUTES                           the BGP-LS attribute as an unknown attribute

By default gobgpd decodes the BGP-LS attribute with its own codec and encodes it again: TLVs it
does not know (1114 unidirectional delay, 1155 prefix metric, ...) are dropped without an error.
With --raw the attribute goes in as an unknown path attribute (type 29, optional transitive), which
gobgpd forwards byte for byte (a fact from ../shared/interop/gobgp-bgpls/README.md).

ROUTES holds one route per line: the NLRI (RFC 9552, with its type and length) and the BGP-LS
attribute's value, in hex. GoBGP 3.10's structured API has no BGP-LS types, so the routes go in
as Path.nlri_binary and Path.pattrs_binary (ORIGIN, NEXT_HOP, BGP-LS attribute); gobgpd decodes
them with its own codec and encodes them again on the wire. The Python stubs are generated at run
time from Debian's golang-github-osrg-gobgp-dev protos (needs grpcio, grpcio-tools, protobuf).
"""
import argparse
import os
import struct
import sys
import tempfile

PROTO_DIR = "/usr/share/gocode/src/github.com/osrg/gobgp/api"


def stubs():
    import grpc
    import grpc_tools
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="gobgp-stubs-")
    inc = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    protos = [os.path.join(PROTO_DIR, p) for p in ("gobgp.proto", "attribute.proto", "capability.proto")]
    if protoc.main(["protoc", "-I" + PROTO_DIR, "-I" + inc, "--python_out=" + out,
                    "--grpc_python_out=" + out] + protos) != 0:
        sys.exit("gobgp-feed: protoc failed on " + PROTO_DIR)
    sys.path.insert(0, out)
    import gobgp_pb2
    import gobgp_pb2_grpc
    import attribute_pb2
    gobgp_pb2.attribute = attribute_pb2
    return grpc, gobgp_pb2, gobgp_pb2_grpc


def attribute(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", default="127.0.0.1:50051")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("command", choices=["add", "withdraw"])
    ap.add_argument("routes")
    ap.add_argument("range", nargs="*", type=int)
    a = ap.parse_args()
    routes = []
    with open(a.routes) as f:
        for line in f:
            nlri, attr = line.split()
            routes.append((bytes.fromhex(nlri), bytes.fromhex(attr)))
    if a.command == "withdraw":
        first, last = a.range
        routes = routes[first:last + 1]
    grpc, pb, pb_grpc = stubs()
    stub = pb_grpc.GobgpApiStub(grpc.insecure_channel(a.api))
    family = pb.Family(afi=pb.Family.AFI_LS, safi=pb.Family.SAFI_LS)
    for nlri, attr in routes:
        path = pb.Path(family=family, nlri_binary=nlri, is_withdraw=a.command == "withdraw")
        if a.raw:
            at = pb.attribute
            for m in (at.OriginAttribute(origin=0), at.NextHopAttribute(next_hop="0.0.0.0"),
                      at.UnknownAttribute(flags=0x80, type=29, value=attr)):
                path.pattrs.add().Pack(m)
        else:
            path.pattrs_binary.extend([attribute(0x40, 1, b"\x00"), attribute(0x40, 3, bytes(4)),
                                       attribute(0x80, 29, attr)])
        if a.command == "add":
            stub.AddPath(pb.AddPathRequest(table_type=pb.GLOBAL, path=path))
        else:
            stub.DeletePath(pb.DeletePathRequest(table_type=pb.GLOBAL, family=family, path=path))
    print("gobgp-feed: %s %d routes" % (a.command, len(routes)))


if __name__ == "__main__":
    main()
