// ECharts, registered with only the chart types and components the dashboard draws (keeps the
// bundle small), rendered as SVG so charts stay sharp on any screen and in screenshots.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import {
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent,
  MarkPointComponent, TooltipComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, AriaComponent, DataZoomComponent, GridComponent, LegendComponent,
             MarkAreaComponent, MarkLineComponent, MarkPointComponent, TooltipComponent, SVGRenderer]);

export { echarts };

// One chart per element; resizing follows the element (phone rotation, window resize).
export function chart_on(element: HTMLElement): echarts.ECharts {
  const existing = echarts.getInstanceByDom(element);
  if (existing) return existing;
  const chart = echarts.init(element, undefined, { renderer: 'svg' });
  new ResizeObserver(() => chart.resize()).observe(element);
  return chart;
}
