// Interface language (English or Simplified Chinese), remembered in localStorage, and the locale-aware
// number and date formatting every view uses (Intl, so digits, separators and dates follow the language).

export type Lang = 'en' | 'zh';

const kStorageKey = 'shouwang.lang';

const messages = {
  en: {
    brand: 'Shouwang',
    skip: 'Skip to content',
    switch_to: '中文',
    switch_label: 'Switch the interface to Chinese',
    nav_map: 'World map',
    nav_alerts: 'Alerts',
    nav_knowledge: 'Knowledge centre',
    footer: 'Data from the Shouwang open API. Figures are as reported by each source; revisions are shown on country pages.',
    loading: 'Loading…',
    loading_countries: 'Loading country series: {done} of {total}',
    error: 'Could not load data: {message}',
    map_title: 'World map',
    metric: 'Indicator',
    metric_cases: 'New cases per 100,000',
    metric_deaths: 'New deaths per 100,000',
    metric_rt: 'Reproduction number Rt',
    window: 'Period',
    window_days: 'Last {n} days',
    date: 'Date',
    map_label: 'World map of {metric} on {date}. Select a country to open its page.',
    no_data: 'No data',
    find_country: 'Find a country',
    find_country_hint: 'Type a name, then press Enter',
    open: 'Open',
    legend: 'Legend',
    table_top: 'Highest values on {date}',
    country: 'Country',
    value: 'Value',
    per100k: 'per 100,000',
    back_to_map: '← World map',
    population: 'Population',
    region: 'Region',
    level_world: 'World',
    level_region: 'WHO region',
    level_country: 'Country',
    level_subnational: 'Subnational area',
    indicator: 'Indicator',
    ind_cases: 'Cases',
    ind_deaths: 'Deaths',
    cumulative: 'Cumulative',
    log_scale: 'Logarithmic scale',
    source: 'Source',
    source_default: 'Default',
    source_who: 'WHO (weekly)',
    daily: 'Reported',
    weekly: 'Weekly reported',
    avg7: '7-day average',
    cumulative_total: 'Cumulative total',
    latest: 'Latest',
    latest_value: 'Latest value ({date}): {value}',
    latest_avg: '7-day average: {value}',
    download_csv: 'Download CSV',
    chart_label: '{indicator} in {location}',
    data_table: 'Data table (last 30 periods)',
    no_series: 'No {indicator} data for this location.',
    revisions: 'Revisions',
    revisions_none: 'No corrections recorded: every value is as first reported.',
    revisions_intro: 'Values corrected after their first report, newest first.',
    rev_date: 'Date',
    rev_value: 'Corrected value',
    rev_number: 'Revision',
    rev_source: 'Source',
    rev_reported: 'Reported at',
    revised_point: 'Revised',
    subnational: 'Subnational breakdown',
    sub_last14: 'Last 14 days',
    sub_per100k: 'Per 100,000',
    sub_total: 'Total',
    rt_title: 'Reproduction number Rt',
    rt_mean: 'Rt (mean)',
    rt_band: '95% credible interval',
    rt_threshold: 'Rt = 1',
    rt_latest: 'Latest Rt ({date}): {value} (95% CrI {lo}–{hi})',
    fc_title: 'Forecast: next 4 weeks',
    fc_intro: 'Weekly totals forecast from {origin} ({model}); observed weeks for comparison.',
    fc_week: 'Week',
    fc_median: 'Median',
    fc_50: '50% interval',
    fc_95: '95% interval',
    fc_observed: 'Observed (7 days)',
    alarms: 'Detection alarms',
    alarm: 'Alarm',
    alarm_none: 'Analysed: no alarms raised for this series.',
    alarm_not_analysed: 'Not analysed yet: detection has not run on this series.',
    alarm_row: '{period}: observed {observed}, threshold {threshold} ({method})',
    alerts_title: 'Alerts',
    alerts_live: 'Live alerts',
    alerts_connected: 'Connected: new alerts appear here as they open.',
    alerts_connecting: 'Connecting to the alert stream…',
    alerts_none: 'No alerts received yet.',
    alerts_token: 'Focal point token',
    alerts_token_hint: 'Signed-in focal points also see the unverified events of their area, and can acknowledge and publish alerts. The token stays in this browser tab only.',
    alerts_token_refused: 'The server did not accept this token. Sign out and sign in again.',
    sign_in: 'Sign in',
    sign_out: 'Sign out',
    signed_in: 'Signed in as a focal point.',
    ack: 'Acknowledge',
    acked: 'Acknowledged',
    ack_failed: 'Could not acknowledge: {message}',
    publish: 'Publish',
    publish_failed: 'Could not publish: {message}',
    unpublished: 'Unverified: focal points only',
    severity: 'Severity',
    state: 'State',
    opened: 'Opened',
    kb_title: 'Knowledge centre',
    kb_query: 'Search guidance',
    kb_search: 'Search',
    kb_lang: 'Language',
    kb_lang_any: 'Any',
    kb_lang_en: 'English',
    kb_lang_zh: 'Chinese',
    kb_edition: 'Edition',
    kb_edition_any: 'latest',
    kb_results: '{n} results',
    kb_none: 'Nothing found.',
    kb_section: 'Section',
    kb_score: 'Score',
    kb_diff: 'Compare editions',
    kb_diff_from: 'From edition',
    kb_diff_to: 'To edition',
    kb_diff_show: 'Show changes',
    kb_family: 'Document family',
    not_found: 'Page not found.',
    unknown_location: 'Unknown location: {code}',
  },
  zh: {
    brand: '守望',
    skip: '跳到正文',
    switch_to: 'English',
    switch_label: '将界面切换为英文',
    nav_map: '世界地图',
    nav_alerts: '警报',
    nav_knowledge: '知识中心',
    footer: '数据来自守望开放接口。数字按各来源报告；修订记录见各国页面。',
    loading: '加载中…',
    loading_countries: '正在加载各国数据：{done}/{total}',
    error: '数据加载失败：{message}',
    map_title: '世界地图',
    metric: '指标',
    metric_cases: '每十万人新增病例',
    metric_deaths: '每十万人新增死亡',
    metric_rt: '再生数 Rt',
    window: '时段',
    window_days: '最近{n}天',
    date: '日期',
    map_label: '{date}的{metric}世界地图。选择国家可打开其页面。',
    no_data: '无数据',
    find_country: '查找国家',
    find_country_hint: '输入名称后按回车',
    open: '打开',
    legend: '图例',
    table_top: '{date}数值最高的国家',
    country: '国家',
    value: '数值',
    per100k: '每十万人',
    back_to_map: '← 世界地图',
    population: '人口',
    region: '区域',
    level_world: '全球',
    level_region: '世卫组织区域',
    level_country: '国家',
    level_subnational: '地方行政区',
    indicator: '指标',
    ind_cases: '病例',
    ind_deaths: '死亡',
    cumulative: '累计',
    log_scale: '对数坐标',
    source: '来源',
    source_default: '默认',
    source_who: '世卫组织（每周）',
    daily: '报告数',
    weekly: '每周报告数',
    avg7: '7日平均',
    cumulative_total: '累计总数',
    latest: '最新',
    latest_value: '最新数值（{date}）：{value}',
    latest_avg: '7日平均：{value}',
    download_csv: '下载 CSV',
    chart_label: '{location}的{indicator}',
    data_table: '数据表（最近30期）',
    no_series: '该地区没有{indicator}数据。',
    revisions: '修订记录',
    revisions_none: '没有更正记录：所有数值均为首次报告值。',
    revisions_intro: '首次报告后被更正的数值，按时间倒序。',
    rev_date: '日期',
    rev_value: '更正后数值',
    rev_number: '修订版次',
    rev_source: '来源',
    rev_reported: '报告时间',
    revised_point: '已修订',
    subnational: '地方分布',
    sub_last14: '最近14天',
    sub_per100k: '每十万人',
    sub_total: '总数',
    rt_title: '再生数 Rt',
    rt_mean: 'Rt（均值）',
    rt_band: '95% 可信区间',
    rt_threshold: 'Rt = 1',
    rt_latest: '最新 Rt（{date}）：{value}（95% 可信区间 {lo}–{hi}）',
    fc_title: '预测：未来4周',
    fc_intro: '自{origin}起的每周总数预测（{model}）；附已观测各周以供对比。',
    fc_week: '周',
    fc_median: '中位数',
    fc_50: '50% 区间',
    fc_95: '95% 区间',
    fc_observed: '观测值（7天）',
    alarms: '监测警报',
    alarm: '警报',
    alarm_none: '已分析：该序列未触发警报。',
    alarm_not_analysed: '尚未分析：检测尚未在该序列上运行。',
    alarm_row: '{period}：观测值 {observed}，阈值 {threshold}（{method}）',
    alerts_title: '警报',
    alerts_live: '实时警报',
    alerts_connected: '已连接：新警报将在此显示。',
    alerts_connecting: '正在连接警报流…',
    alerts_none: '尚未收到警报。',
    alerts_token: '联络人令牌',
    alerts_token_hint: '登录的联络人还能看到本地区尚未核实的事件，并可确认和发布警报。令牌只保存在此浏览器标签页中。',
    alerts_token_refused: '服务器不接受此令牌。请退出后重新登录。',
    sign_in: '登录',
    sign_out: '退出',
    signed_in: '已作为联络人登录。',
    ack: '确认',
    acked: '已确认',
    ack_failed: '确认失败：{message}',
    publish: '发布',
    publish_failed: '发布失败：{message}',
    unpublished: '未核实：仅限联络人',
    severity: '严重程度',
    state: '状态',
    opened: '开启时间',
    kb_title: '知识中心',
    kb_query: '搜索指南',
    kb_search: '搜索',
    kb_lang: '语言',
    kb_lang_any: '全部',
    kb_lang_en: '英文',
    kb_lang_zh: '中文',
    kb_edition: '版本',
    kb_edition_any: '最新',
    kb_results: '共 {n} 条结果',
    kb_none: '未找到结果。',
    kb_section: '章节',
    kb_score: '得分',
    kb_diff: '版本比较',
    kb_diff_from: '原版本',
    kb_diff_to: '新版本',
    kb_diff_show: '显示差异',
    kb_family: '文档系列',
    not_found: '页面不存在。',
    unknown_location: '未知地区：{code}',
  },
} as const;

export type MessageKey = keyof (typeof messages)['en'];

function initial_lang(): Lang {
  try {
    const saved = localStorage.getItem(kStorageKey);
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    // Storage can be disabled (private mode); fall back to the browser language.
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current: Lang = initial_lang();
const listeners: Array<() => void> = [];

export function lang(): Lang {
  return current;
}

// BCP 47 tag for Intl and the lang attribute.
export function locale_tag(): string {
  return current === 'zh' ? 'zh-CN' : 'en-GB';
}

export function set_lang(next: Lang): void {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(kStorageKey, next);
  } catch {
    // Not remembered, but the switch still applies to this page.
  }
  number_formats.clear();
  for (const listener of listeners) listener();
}

export function on_lang_change(listener: () => void): void {
  listeners.push(listener);
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text: string = messages[current][key] ?? messages.en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

const number_formats = new Map<string, Intl.NumberFormat>();

function number_format(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let f = number_formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale_tag(), options);
    number_formats.set(key, f);
  }
  return f;
}

// Counts print without decimals; rates and averages keep one or two significant decimals.
export function format_number(value: number | null | undefined, max_fraction_digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return number_format({ maximumFractionDigits: max_fraction_digits }).format(value);
}

export function format_compact(value: number): string {
  return number_format({ notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

// Periods arrive as YYYY-MM-DD or YYYY-Www (ISO week).
export function format_period(period: string): string {
  const week = /^(\d{4})-W(\d{2})$/.exec(period);
  if (week) return current === 'zh' ? `${week[1]}年第${Number(week[2])}周` : `Week ${Number(week[2])}, ${week[1]}`;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(period);
  if (!day) return period;
  const date = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
  return new Intl.DateTimeFormat(locale_tag(), { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(date);
}

export function format_timestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale_tag(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
