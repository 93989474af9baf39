// Small DOM helpers: element creation with attributes and children, safe search snippets, downloads.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | number | boolean | null | undefined | EventListener> = {},
  ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

// Search snippets are HTML with <mark> around the matched words. They are parsed inertly
// (DOMParser runs no script) and rebuilt from their text and <mark> elements only, so nothing
// else in a snippet can reach the page.
export function snippet_nodes(snippet: string): Node[] {
  const parsed = new DOMParser().parseFromString(`<body>${snippet}</body>`, 'text/html');
  const out: Node[] = [];
  for (const node of parsed.body.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && (node as Element).tagName === 'MARK') {
      out.push(h('mark', {}, node.textContent ?? ''));
    } else {
      out.push(document.createTextNode(node.textContent ?? ''));
    }
  }
  return out;
}

let id_counter = 0;
export function unique_id(prefix: string): string {
  return `${prefix}-${++id_counter}`;
}

export function download_text(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
