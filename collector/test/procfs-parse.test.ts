import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  listeningInodes,
  parseBootTimeMs,
  parseBlkioV1,
  parseCgroupNumber,
  parseIoStatV2,
  parseKeyValues,
  parseMemTotal,
  parseNetDev,
  parseProcCgroup,
  parseProcList,
  parseProcIo,
  parseProcPidStat,
  parseProcStat,
  parseProcStatus,
} from '../procfs-parse.js';

describe('/proc and cgroup file parsers', () => {
  describe('/proc/stat', () => {
    const text = 'cpu  12226 0 3158 74762 560 0 80 9 0 0\ncpu0 2680 0 1186 41448 59 0 19 3 0 0\ncpu1 9545 0 1971 33313 501 0 60 6 0 0\nintr 1\n';
    it('gives host CPU ns from the first 7 fields and counts the cpuN lines', () => {
      assert.deepEqual(parseProcStat(text), { systemCpuNs: (12226 + 3158 + 74762 + 560 + 80) * 1e7, onlineCpus: 2 });
    });
    it('refuses a file without cpu lines', () => {
      assert.throws(() => parseProcStat('intr 1\n'), /no cpu lines/);
    });
  });

  describe('net/dev', () => {
    it('sums rx/tx bytes of every interface except lo', () => {
      const text = [
        'Inter-|   Receive                                                |  Transmit',
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
        '    lo: 9999 10 0 0 0 0 0 0 9999 10 0 0 0 0 0 0',
        '  eth0: 1016 12 0 0 0 0 0 0 586 7 0 0 0 0 0 0',
        '  eth1: 4 1 0 0 0 0 0 0 6 1 0 0 0 0 0 0',
      ].join('\n');
      assert.deepEqual(parseNetDev(text), { rx: 1020, tx: 592 });
    });
  });

  describe('cgroup files', () => {
    it('reads memory.stat as numbers', () => {
      const m = parseKeyValues('cache 100\ntotal_inactive_file 4096\nhierarchical_memory_limit 9223372036854771712\n');
      assert.equal(m.get('total_inactive_file'), 4096);
    });
    it('reads "max" (v2 unlimited) as no limit', () => {
      assert.equal(parseCgroupNumber('max\n'), null);
      assert.equal(parseCgroupNumber('536870912\n'), 536870912);
      assert.throws(() => parseCgroupNumber('garbage'), /not a number/);
    });
    it('sums v1 blkio Read/Write over devices and ignores Total', () => {
      const text = '8:0 Read 4096\n8:0 Write 512\n8:0 Sync 1\n8:16 Read 4\nTotal 4612\n';
      assert.deepEqual(parseBlkioV1(text), { read: 4100, write: 512 });
    });
    it('sums v2 io.stat rbytes/wbytes over devices', () => {
      const text = '8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n254:0 rbytes=10 wbytes=0 rios=1 wios=0\n';
      assert.deepEqual(parseIoStatV2(text), { read: 4106, write: 512 });
    });
    it('maps controllers to paths in /proc/<pid>/cgroup, v2 line under ""', () => {
      const m = parseProcCgroup('12:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/system.slice/docker-abc.scope\n');
      assert.equal(m.get('cpuacct'), '/docker/abc');
      assert.equal(m.get('cpu'), '/docker/abc');
      assert.equal(m.get('systemd'), '/docker/abc');
      assert.equal(m.get(''), '/system.slice/docker-abc.scope');
    });
    it('lists the pids of cgroup.procs', () => {
      assert.deepEqual(parseProcList('12\n345\n'), [12, 345]);
      assert.deepEqual(parseProcList(''), []);
    });
  });

  describe('a process', () => {
    it('reads the state, the parent, utime+stime and the start time even when the command name holds spaces and parentheses', () => {
      const stat = '4242 (node (worker) x) S 17 4242 4242 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 11 0 100 1 1';
      assert.deepEqual(parseProcPidStat(stat), { comm: 'node (worker) x', state: 'S', ppid: 17, cpuTicks: 175, startTicks: 100 });
    });
    it('reads the boot time from /proc/stat', () => {
      assert.equal(parseBootTimeMs('cpu  1 2 3\nbtime 1796185390\nprocesses 9\n'), 1_796_185_390_000);
      assert.throws(() => parseBootTimeMs('cpu  1 2 3\n'), /no btime/);
    });
    it('reads RSS in bytes and the thread count from status', () => {
      assert.deepEqual(parseProcStatus('Name:\tnode\nVmRSS:\t  51200 kB\nThreads:\t11\n'), { rssBytes: 51200 * 1024, threads: 11 });
    });
    it('reads storage bytes from io', () => {
      assert.deepEqual(parseProcIo('rchar: 10\nread_bytes: 4096\nwrite_bytes: 8192\n'), { read: 4096, write: 8192 });
    });
    it('reads MemTotal', () => {
      assert.equal(parseMemTotal('MemTotal:       24684084 kB\nMemFree: 1 kB\n'), 24684084 * 1024);
    });
  });

  describe('/proc/net/tcp', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0 100 0 0 10 0',
      '   1: 0100007F:1388 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0 20 4 30 10 -1',
      '   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0 100 0 0 10 0',
    ].join('\n');
    it('finds the inode of the socket listening on a port, not of established ones', () => {
      assert.deepEqual(listeningInodes(text, 5000), [31337]);
      assert.deepEqual(listeningInodes(text, 80), [4444]);
      assert.deepEqual(listeningInodes(text, 81), []);
    });
  });
});
