#!/usr/bin/env python3
"""Who holds the arrays of a heap dump: sums the shallow size of every primitive array, and of every instance of
the classes given with --class, by its holder: the class and field of the first object found referring to it
(through ByteBuffers, CharBuffers and Strings to their own holder), so that "[B <- HeapByteBuffer.hb <-
SocketBufferHandler.readBuffer" reads as one line.

Usage: benchmarks/heap-owners.py <dump.hprof> [--per N] [--top K]
Dump with `jcmd <pid> GC.heap_dump <file>` (live objects only, after a full GC). With --per N the sizes are divided
by N (connections). Diff two dumps (with and without the connections) with --minus <other.hprof>.
--by-holder charges every object to the field holding it (through collections): bytes by holder.
--class C also charges the instances of class C; --through-collections looks through collections to their holder.
Only the JDK's own HPROF 1.0.2 format is read; no dependencies.
"""
import argparse
import struct
import sys
from collections import defaultdict

PRIM_SIZE = {4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
PRIM_NAME = {4: '[Z', 5: '[C', 6: '[F', 7: '[D', 8: '[B', 9: '[S', 10: '[I', 11: '[J'}
# holders looked through: the owner of their array is their own holder
WRAPPERS = ('java.nio.HeapByteBuffer', 'java.nio.HeapCharBuffer', 'java.lang.String',
            'java.nio.HeapByteBufferR', 'java.lang.StringBuilder')
# with --through-collections: collections and their internals, so that a map entry is charged to the map's holder
COLLECTION_PREFIXES = ('java.util.', '[Ljava.util.', '[Ljava.lang.Object;', 'org.apache.tomcat.util.collections.',
                       'org.springframework.util.', 'org.springframework.http.HttpHeaders')


def align(n):
    return (n + 7) & ~7


def parse(path):
    data = open(path, 'rb').read()
    end_header = data.index(b'\0')
    idsize = struct.unpack_from('>I', data, end_header + 1)[0]
    idfmt = '>Q' if idsize == 8 else '>I'
    pos = end_header + 1 + 4 + 8
    strings = {}
    class_names = {}
    classes = {}  # id -> (super, [(name, type)])
    instances = []  # (id, class, offset, length)
    obj_arrays = []  # (id, offset, count)
    prim_arrays = {}  # id -> (type, bytes)
    instance_class = {}
    roots = []

    def rid(p):
        return struct.unpack_from(idfmt, data, p)[0]

    n = len(data)
    while pos < n:
        tag = data[pos]
        length = struct.unpack_from('>I', data, pos + 5)[0]
        body = pos + 9
        pos = body + length
        if tag == 0x01:
            strings[rid(body)] = data[body + idsize:body + length].decode('utf-8', 'replace')
        elif tag == 0x02:
            class_names[rid(body + 4)] = rid(body + 8 + idsize)
        elif tag in (0x0C, 0x1C):
            p = body
            while p < pos:
                sub = data[p]
                p += 1
                if sub in (0xFF, 0x05, 0x07, 0x01, 0x02, 0x03, 0x08, 0x04, 0x06):
                    roots.append((rid(p), sub))
                if sub == 0xFF or sub == 0x05 or sub == 0x07:
                    p += idsize
                elif sub == 0x01:
                    p += 2 * idsize
                elif sub in (0x02, 0x03, 0x08):
                    p += idsize + 8
                elif sub in (0x04, 0x06):
                    p += idsize + 4
                elif sub == 0x20:
                    cid = rid(p)
                    sup = rid(p + 4 + idsize)
                    p += 7 * idsize + 4 + 4
                    cp = struct.unpack_from('>H', data, p)[0]
                    p += 2
                    for _ in range(cp):
                        t = data[p + 2]
                        p += 3 + (idsize if t == 2 else PRIM_SIZE[t])
                    st = struct.unpack_from('>H', data, p)[0]
                    p += 2
                    for _ in range(st):
                        t = data[p + idsize]
                        p += idsize + 1 + (idsize if t == 2 else PRIM_SIZE[t])
                    fc = struct.unpack_from('>H', data, p)[0]
                    p += 2
                    fields = []
                    for _ in range(fc):
                        fields.append((rid(p), data[p + idsize]))
                        p += idsize + 1
                    classes[cid] = (sup, fields)
                elif sub == 0x21:
                    oid = rid(p)
                    cid = rid(p + 4 + idsize)
                    ln = struct.unpack_from('>I', data, p + 4 + 2 * idsize)[0]
                    start = p + 8 + 2 * idsize
                    instances.append((oid, cid, start, ln))
                    instance_class[oid] = cid
                    p = start + ln
                elif sub == 0x22:
                    oid = rid(p)
                    cnt = struct.unpack_from('>I', data, p + 4 + idsize)[0]
                    acid = rid(p + 8 + idsize)
                    start = p + 8 + 2 * idsize
                    obj_arrays.append((oid, acid, start, cnt))
                    instance_class[oid] = acid
                    p = start + cnt * idsize
                elif sub == 0x23:
                    oid = rid(p)
                    cnt = struct.unpack_from('>I', data, p + 4 + idsize)[0]
                    t = data[p + 8 + idsize]
                    prim_arrays[oid] = (t, align(16 + cnt * PRIM_SIZE[t]))
                    p += 9 + idsize + cnt * PRIM_SIZE[t]
                else:
                    raise ValueError('unknown heap dump sub-record 0x%x at %d' % (sub, p))

    def name_of(cid):
        return strings.get(class_names.get(cid), '?').replace('/', '.')

    layouts = {}

    def layout(cid):
        if cid not in layouts:
            out = []
            c = cid
            while c in classes:
                sup, fields = classes[c]
                out.extend((strings.get(f, '?'), t) for f, t in fields)
                c = sup
            layouts[cid] = out
        return layouts[cid]

    parent = {}
    sizes = {}
    for oid, cid, start, ln in instances:
        p = start
        cname = name_of(cid).rsplit('.', 1)[-1]
        sizes[oid] = None
        for fname, t in layout(cid):
            if t == 2:
                ref = rid(p)
                # an inner object's reference to its outer one is not ownership (and makes cycles)
                if ref and ref not in parent and fname != 'this$0':
                    parent[ref] = (oid, cname + '.' + fname)
                p += idsize
            else:
                p += PRIM_SIZE[t]
    for oid, acid, start, cnt in obj_arrays:
        aname = name_of(acid).rsplit('.', 1)[-1]
        for i in range(cnt):
            ref = rid(start + i * idsize)
            if ref and ref not in parent:
                parent[ref] = (oid, aname + '[]')
    parse.graph = (roots, instances, obj_arrays, layout, rid, classes, strings)
    return name_of, instance_class, instances, prim_arrays, parent, idsize


def path_to(path, target_class, samples=3):
    """Shortest reference paths from a GC root to a few instances of the class: what keeps them alive."""
    name_of, instance_class, instances, prim_arrays, parent, idsize = parse(path)
    roots, instances, obj_arrays, layout, rid, classes, strings = parse.graph
    index = {}
    for i, (oid, cid, start, ln) in enumerate(instances):
        index[oid] = ('i', i)
    for i, (oid, acid, start, cnt) in enumerate(obj_arrays):
        index[oid] = ('a', i)

    def refs(oid):
        kind, i = index[oid]
        if kind == 'i':
            _, cid, start, ln = instances[i]
            p = start
            for fname, t in layout(cid):
                if t == 2:
                    ref = rid(p)
                    if ref:
                        yield ref, fname
                    p += idsize
                else:
                    p += PRIM_SIZE[t]
        else:
            _, acid, start, cnt = obj_arrays[i]
            for j in range(cnt):
                ref = rid(start + j * idsize)
                if ref:
                    yield ref, '[%d]' % j

    # static fields hold most roots of an application: a class object's statics
    came = {}
    queue = []
    for oid, kind in roots:
        if oid not in came:
            came[oid] = None
            queue.append(oid)
    found = []
    head = 0
    while head < len(queue) and len(found) < samples:
        cur = queue[head]
        head += 1
        if cur not in index:
            continue
        for ref, fname in refs(cur):
            if ref in came:
                continue
            came[ref] = (cur, fname)
            queue.append(ref)
            if ref in instance_class and name_of(instance_class[ref]) == target_class:
                found.append(ref)
    for oid in found:
        chain = []
        cur = oid
        while came.get(cur):
            prev, fname = came[cur]
            chain.append('%s.%s' % (name_of(instance_class.get(prev, 0)).rsplit('.', 1)[-1], fname))
            cur = prev
        print(' <- '.join([target_class.rsplit('.', 1)[-1]] + chain + ['(root)']))


def owners(path, extra_classes, through_collections=False, by_holder=False, by_owner=False):
    name_of, instance_class, instances, prim_arrays, parent, idsize = parse(path)
    totals = defaultdict(float)
    counts = defaultdict(int)

    def plain(cls):
        return cls not in WRAPPERS and not cls.startswith(COLLECTION_PREFIXES)

    def owner_class(oid):
        # an object of a plain class is its own owner; an array, wrapper or collection belongs to its first plain holder
        cur = oid
        for _ in range(12):
            cls = name_of(instance_class.get(cur, 0)) if cur in instance_class else None
            if cls is not None and plain(cls):
                return cls
            if cur not in parent:
                return '(root)'
            cur = parent[cur][0]
        return '(deep)'

    def holder(oid):
        chain = []
        cur = oid
        for _ in range(10):
            if cur not in parent:
                chain.append('(root)')
                break
            cur, via = parent[cur]
            chain.append(via)
            cls = name_of(instance_class.get(cur, 0))
            if cls not in WRAPPERS and not (through_collections and cls.startswith(COLLECTION_PREFIXES)):
                break
        return ' <- '.join(chain)

    def key_of(what, oid):
        if by_owner:
            return '.'.join(owner_class(oid).split('.')[:3])
        chain = holder(oid)
        return chain.rsplit(' <- ', 1)[-1] if by_holder else what + ' <- ' + chain

    for oid, (t, size) in prim_arrays.items():
        key = key_of(PRIM_NAME[t], oid)
        totals[key] += size
        counts[key] += 1
    wanted = set(extra_classes)
    for oid, cid, start, ln in instances:
        cname = name_of(cid)
        if by_holder or by_owner or cname in wanted:
            key = key_of(cname.rsplit('.', 1)[-1], oid)
            totals[key] += align(16 + ln)
            counts[key] += 1
    return totals, counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dump')
    ap.add_argument('--minus')
    ap.add_argument('--per', type=float, default=1)
    ap.add_argument('--top', type=int, default=30)
    ap.add_argument('--class', dest='classes', action='append', default=[],
                    help='also charge the instances of this class (fully qualified) to their holders')
    ap.add_argument('--through-collections', action='store_true',
                    help='look through collections (java.util, Tomcat\'s and Spring\'s maps) to their holders')
    ap.add_argument('--by-holder', action='store_true',
                    help='charge every object (arrays, instances; not object arrays) to the field that holds it, '
                         'through collections')
    ap.add_argument('--by-owner', action='store_true',
                    help='charge every object to the package (three segments) of its owner: the object itself, or '
                         'for an array, buffer, string or collection the first other object holding it')
    ap.add_argument('--path-to', help='print the shortest paths from a GC root to a few instances of this class')
    args = ap.parse_args()
    if args.path_to:
        return path_to(args.dump, args.path_to)
    through = args.through_collections or args.by_holder
    totals, counts = owners(args.dump, args.classes, through, args.by_holder, args.by_owner)
    if args.minus:
        t0, c0 = owners(args.minus, args.classes, through, args.by_holder, args.by_owner)
        for k, v in t0.items():
            totals[k] -= v
            counts[k] -= c0[k]
    rows = sorted(totals.items(), key=lambda kv: -kv[1])[:args.top]
    for key, total in rows:
        print('%10.1f %8.2f  %s' % (total / args.per, counts[key] / args.per, key))


if __name__ == '__main__':
    sys.exit(main())
