"""Linux-side helpers for test/cli/bridge.netns.test.ts (run inside the test's network namespace).

  badsum ADDR PORT        send one UDP datagram whose checksum is wrong (raw socket)
  unreach ADDR PORT       send a UDP datagram to a closed port; print 'refused' on ICMP port unreachable
  tcpecho ADDR PORT N     send N deterministic bytes to a TCP echo server, read them back; print 'ok N SHA'
  dns ADDR NAME IP        answer A queries for NAME with IP on ADDR:53 (until killed)
Every network operation has a timeout; exit status 1 on failure.
"""
import hashlib
import socket
import struct
import sys
import threading


def blob(n):
    out = bytearray()
    x = 12345
    while len(out) < n:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out += struct.pack('>I', x)
    return bytes(out[:n])


def badsum(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    payload = b'bad checksum'
    hdr = struct.pack('>HHHH', 40000, port, 8 + len(payload), 0x1234)  # 0x1234 is not the checksum
    s.sendto(hdr + payload, (addr, 0))
    print('sent')


def unreach(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((addr, port))
    s.send(b'anyone there?')
    try:
        s.recv(100)
        print('answered')
    except ConnectionRefusedError:
        print('refused')
    except socket.timeout:
        print('timeout')
        sys.exit(1)


def tcpecho(addr, port, n):
    data = blob(n)
    s = socket.create_connection((addr, port), timeout=20)
    s.settimeout(20)
    got = bytearray()

    def reader():
        while len(got) < n:
            d = s.recv(65536)
            if not d:
                break
            got.extend(d)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    t.join(25)
    s.close()
    if bytes(got) != data:
        print('mismatch %d of %d bytes' % (len(got), n))
        sys.exit(1)
    print('ok %d %s' % (n, hashlib.sha256(got).hexdigest()))


def dns(addr, name, ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    want = name.lower().rstrip('.')
    while True:
        q, peer = s.recvfrom(512)
        if len(q) < 12:
            continue
        qid = q[:2]
        i = 12
        labels = []
        while i < len(q) and q[i] != 0:
            labels.append(q[i + 1:i + 1 + q[i]].decode('ascii', 'replace'))
            i += 1 + q[i]
        question = q[12:i + 5]
        qtype = struct.unpack('>H', q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
        found = '.'.join(labels).lower() == want
        if found and qtype == 1:
            ans = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + socket.inet_aton(ip)
            s.sendto(qid + b'\x84\x00' + struct.pack('>HHHH', 1, 1, 0, 0) + question + ans, peer)
        else:
            rcode = 0 if found else 3
            s.sendto(qid + bytes([0x84, rcode]) + struct.pack('>HHHH', 1, 0, 0, 0) + question, peer)


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'badsum':
        badsum(sys.argv[2], int(sys.argv[3]))
    elif cmd == 'unreach':
        unreach(sys.argv[2], int(sys.argv[3]))
    elif cmd == 'tcpecho':
        tcpecho(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == 'dns':
        dns(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == 'blob':
        sys.stdout.buffer.write(blob(int(sys.argv[2])))
    else:
        sys.exit('unknown command ' + cmd)
