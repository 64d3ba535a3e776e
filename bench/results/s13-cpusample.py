#!/usr/bin/env python3
# Samples every process's CPU ticks every INTERVAL s; prints per-sample deltas grouped by a label, as JSON lines.
import os, sys, time, json
INTERVAL = float(sys.argv[1]) if len(sys.argv) > 1 else 5
HZ = os.sysconf('SC_CLK_TCK')
def label(pid):
    try:
        cmd = open(f'/proc/{pid}/cmdline','rb').read().replace(b'\0',b' ').decode(errors='replace')
    except Exception: return None
    if 'fake-farm' in cmd: return 'bench:fake-farm'
    if 'stream-load' in cmd: return 'bench:sse-clients'
    if 'bench/run.ts' in cmd or 'bench/run' in cmd: return 'bench:main(fake LLM)'
    if 'redis-server' in cmd: return 'redis'
    if cmd.startswith('postgres') or 'postgres:' in cmd: return 'postgres'
    if 'main.bundle' in cmd or 'dist/main' in cmd: return 'server'
    if 'helper' in cmd and 'node' in cmd: return 'node-helper'
    if cmd.startswith('node') or '/node ' in cmd: return 'node-other:' + cmd[:80]
    return 'other'
def snap():
    d = {}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            s = open(f'/proc/{p}/stat').read()
            f = s[s.rfind(')')+2:].split()
            d[int(p)] = int(f[11]) + int(f[12])
        except Exception: pass
    return d
prev = snap(); labels = {}
while True:
    time.sleep(INTERVAL)
    cur = snap(); agg = {}
    for pid, t in cur.items():
        dt = t - prev.get(pid, t if pid in prev else 0)
        if dt <= 0: continue
        if pid not in labels: labels[pid] = label(pid)
        l = labels[pid] or 'other'
        agg[l] = agg.get(l, 0) + dt
    tot = sum(agg.values())
    print(json.dumps({'t': time.strftime('%H:%M:%S', time.gmtime()), 'cores': {k: round(v / HZ / INTERVAL, 3) for k, v in sorted(agg.items(), key=lambda x: -x[1])}, 'total': round(tot / HZ / INTERVAL, 3)}), flush=True)
    prev = cur
