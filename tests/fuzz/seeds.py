#!/usr/bin/env python3
# Regenerate the decode seeds in tests/fuzz/corpus/decode (and the option-byte variants of
# the resolve seeds): records laid out as include/ksnoop.h says and bpf/capture.bpf.c
# builds them. Run from tests/fuzz/. The parse and resolve seeds are SPEC strings.
import os
import struct

REC = '<HHHHIIIIIIQQQ16s'    # struct ksnoop_rec header, 72 bytes
VAL = '<BBHHHQ'              # struct ksnoop_val header, 16 bytes
ENTRY, EXIT = 1, 2
R_NOEXIT, R_TEXT, R_DEEP = 2, 4, 8
V_UNREADABLE, V_TRUNC, V_TEXT, V_RAWALSO = 1, 2, 4, 8


def val(item, data, flags=0, addr=0, raw=b''):
    body = data + raw
    body += b'\0' * (-len(body) % 8)
    return struct.pack(VAL, item, flags, len(data), len(raw), 0, addr) + body


def rec(typ, vals, flags=0, ret=0, depth=0):
    data = b''.join(vals)
    size = struct.calcsize(REC) + len(data)
    return struct.pack(REC, typ, flags, len(vals), depth, size, 0, 0, 1234, 1235, 0,
                       1_000_000_000, 0xffffffff81000000, ret, b'udpsend') + data


def u32(x):
    return struct.pack('<I', x)


def write(name, sel, body):
    with open(os.path.join('corpus/decode', name), 'wb') as f:
        f.write(bytes([sel]) + body)


os.makedirs('corpus/decode', exist_ok=True)
skb = bytearray(240)
skb[0x70:0x74] = u32(128)
ent = rec(ENTRY, [val(0, bytes(skb), addr=0xffff888004a3e200), val(1, u32(128)),
                  val(2, bytes(64), flags=V_UNREADABLE, addr=0)])
ex = rec(EXIT, [val(3, u32(0))], ret=0)
for sel in range(4):
    write(f'entry-{sel}', sel, ent)
    write(f'entry-json-{sel}', sel | 4, ent)
    write(f'pair-{sel}', sel | 8, ent + ex)
    write(f'pair-json-{sel}', sel | 12, ent + ex)
write('exit-only', 0, ex)
write('in-flight', 0x14, ent)
write('noexit', 0, rec(ENTRY, [val(1, u32(5))], flags=R_NOEXIT))
write('deep', 4, rec(ENTRY, [val(1, u32(5))], flags=R_DEEP, depth=70))
text = b'(struct sk_buff){\n .len = (unsigned int)128,\n}\0'
write('kernel-text', 0, rec(ENTRY, [val(0, text, flags=V_TEXT, addr=0xffff888004a3e200)],
                            flags=R_TEXT))
write('format-check', 0, rec(ENTRY, [val(1, b'(unsigned int)128\0' + bytes(2048 - 18),
                                         flags=V_TEXT | V_RAWALSO, raw=u32(128))],
                             flags=R_TEXT))
write('truncated', 4, rec(ENTRY, [val(0, bytes(2048), flags=V_TRUNC, addr=1)]))
write('string', 1, rec(ENTRY, [val(1, b'/etc/passwd\0'), val(0, u32(0xffffff9c))]))
write('bitfield', 2, rec(ENTRY, [val(0, b'\x05'), val(1, b'\x01'), val(2, b'eth0\0')]))
write('bad-item', 0, rec(ENTRY, [val(200, u32(1)), val(7, u32(1))]))
write('short-size', 0, struct.pack(REC, 1, 0, 5, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, b''))
# Formatter mode (byte 0 bit 5): a type id (modulo the type count), then the bytes.
for i, tid in enumerate([1, 2, 10, 100, 1000, 5000, 20000, 60000, 100000]):
    write(f'fmt-{i}', 0x20 | (i & 1) << 2, u32(tid) + bytes(range(256)) * 4)

# Resolve seeds with other option bytes: kernel format, --entry, string sizes, fallbacks.
for i, name in enumerate(sorted(os.listdir('corpus/resolve'))):
    if name.startswith('seed-') and i % 3 == 0:
        with open(os.path.join('corpus/resolve', name), 'rb') as f:
            spec = f.read()[1:]
        with open(os.path.join('corpus/resolve', 'opt-' + name), 'wb') as f:
            f.write(bytes([(i * 8 + i % 8) & 0xff]) + spec)
