/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) into the frames
 * that spent the most CPU themselves, and the packages they belong to.
 * Written here rather than taken from a profiler package: the format is a
 * node tree with hit counts and time deltas, and all we print is a sorted
 * sum of self time; the packages that read it bring a UI with them.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** CPU time in ms, idle excluded. */
  busyMs: number;
  frames: Frame[];
  packages: Frame[];
}

/** Where a script belongs: an npm package, a project file, Node itself, or V8's own bookkeeping. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  if (url.startsWith('node:')) return 'node (internal)';
  const project = url.match(/\/(gateway|subgraphs|lib)\/.*$/);
  return project ? `project ${project[1]}/` : url;
}

function frameName(frame: ProfileNode['callFrame']): string {
  if (!frame.url) return frame.functionName || '(anonymous)';
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(gateway|subgraphs|lib)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

const top = (totals: Map<string, number>, busy: number, count: number): Frame[] =>
  [...totals].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));

export function summariseProfile(file: string, count = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    busy += us;
    const name = frameName(node.callFrame);
    frames.set(name, (frames.get(name) ?? 0) + us);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  });
  return { busyMs: busy / 1000, frames: top(frames, busy, count), packages: top(packages, busy, count) };
}
