import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Columns } from './series';

const HEIGHT = 220;

/**
 * One uPlot chart that follows its container's width, so the grid can
 * narrow it to a phone's. Options are fixed per chart; new data is set on
 * the same plot rather than rebuilding it.
 */
export function Chart({ options, data, label, testId }: { options: Omit<uPlot.Options, 'width' | 'height'>; data: Columns; label: string; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current!;
    const created = new uPlot({ ...options, width: Math.max(el.clientWidth, 200), height: HEIGHT }, data as uPlot.AlignedData, el);
    plot.current = created;
    const resize = new ResizeObserver(() => {
      const width = Math.max(el.clientWidth, 200);
      if (width !== created.width) created.setSize({ width, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = null;
    };
    // The plot is built once; the effect below feeds it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [options]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div className="chart" ref={host} role="img" aria-label={label} data-testid={testId} />;
}
