// Knowledge centre: search the guidance documents (highlighted snippets, language and edition
// filters) and compare two editions of a document family.
import { fetch_document, fetch_edition_diff, search_knowledge, type KbHit } from './api';
import { h, snippet_nodes } from './dom';
import { format_number, t } from './i18n';

const last = { q: '', lang: '', edition: '' };

export async function render_knowledge_view(container: HTMLElement, params: URLSearchParams,
                                            navigate: (path: string) => void): Promise<void> {
  last.q = params.get('q') ?? last.q;
  last.lang = params.get('lang') ?? last.lang;
  last.edition = params.get('edition') ?? last.edition;
  const q_input = h('input', { id: 'kb-q', type: 'search', name: 'q', value: last.q, required: true });
  const lang_select = h('select', { id: 'kb-lang', name: 'lang' },
    h('option', { value: '' }, t('kb_lang_any')), h('option', { value: 'en' }, t('kb_lang_en')),
    h('option', { value: 'zh-Hans' }, t('kb_lang_zh')));
  lang_select.value = last.lang;
  const edition_input = h('input', { id: 'kb-edition', name: 'edition', value: last.edition, placeholder: t('kb_edition_any'), size: 6 });
  const form = h('form', { role: 'search', class: 'controls', id: 'kb-form' },
    h('div', { class: 'field field-wide' }, h('label', { for: 'kb-q' }, t('kb_query')), q_input),
    h('div', { class: 'field' }, h('label', { for: 'kb-lang' }, t('kb_lang')), lang_select),
    h('div', { class: 'field' }, h('label', { for: 'kb-edition' }, t('kb_edition')), edition_input),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, t('kb_search'))));
  const status = h('p', { role: 'status', id: 'kb-status' });
  const results = h('ol', { class: 'kb-results', id: 'kb-results' });
  const diff_section = h('section', { id: 'kb-diff', 'aria-labelledby': 'kb-diff-title' });
  container.replaceChildren(h('h1', {}, t('kb_title')), form, status, results, diff_section);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    q.set('q', q_input.value.trim());
    if (lang_select.value) q.set('lang', lang_select.value);
    if (edition_input.value.trim()) q.set('edition', edition_input.value.trim());
    navigate(`/knowledge?${q}`);
  });

  let families = new Map<string, Set<string>>();
  function draw_hits(hits: KbHit[]): void {
    status.textContent = hits.length ? t('kb_results', { n: format_number(hits.length) }) : t('kb_none');
    results.replaceChildren(...hits.map((hit) => {
      const snippet = h('p', { class: 'snippet' }, ...snippet_nodes(hit.snippet));
      const doc_lang = hit.lang.startsWith('zh') ? 'zh-Hans' : hit.lang || undefined;
      return h('li', { class: 'kb-hit', lang: doc_lang },
        h('h2', { class: 'kb-hit-title' }, hit.document_id
          ? h('a', { href: `/knowledge/document/${encodeURIComponent(hit.document_id)}`, 'data-nav': true }, hit.title || hit.family)
          : hit.title || hit.family),
        h('p', { class: 'muted' }, [hit.family, hit.edition && `${t('kb_edition')} ${hit.edition}`, hit.lang,
                                    hit.section && `${t('kb_section')}: ${hit.section}`].filter(Boolean).join(' · ')),
        snippet);
    }));
    families = new Map();
    for (const hit of hits) {
      if (!families.has(hit.family)) families.set(hit.family, new Set());
      if (hit.edition) families.get(hit.family)!.add(hit.edition);
    }
    draw_diff_form();
  }

  function draw_diff_form(): void {
    if (!families.size) {
      diff_section.replaceChildren();
      return;
    }
    const family_select = h('select', { id: 'kb-family' }, ...[...families.keys()].map((f) => h('option', { value: f }, f)));
    const from_input = h('input', { id: 'kb-from', size: 6, required: true });
    const to_input = h('input', { id: 'kb-to', size: 6, required: true });
    const output = h('div', { class: 'diff-output', id: 'kb-diff-output' });
    const form_diff = h('form', { class: 'controls' },
      h('div', { class: 'field' }, h('label', { for: 'kb-family' }, t('kb_family')), family_select),
      h('div', { class: 'field' }, h('label', { for: 'kb-from' }, t('kb_diff_from')), from_input),
      h('div', { class: 'field' }, h('label', { for: 'kb-to' }, t('kb_diff_to')), to_input),
      h('div', { class: 'field' }, h('button', { type: 'submit' }, t('kb_diff_show'))));
    form_diff.addEventListener('submit', async (event) => {
      event.preventDefault();
      output.textContent = t('loading');
      try {
        const diff = await fetch_edition_diff(family_select.value, from_input.value.trim(), to_input.value.trim());
        output.replaceChildren(render_diff(diff));
      } catch (e) {
        output.textContent = t('error', { message: (e as Error).message });
      }
    });
    diff_section.replaceChildren(h('h2', { id: 'kb-diff-title' }, t('kb_diff')), form_diff, output);
  }

  if (!last.q || !params.get('q')) return;
  status.textContent = t('loading');
  try {
    draw_hits(await search_knowledge(last.q, last.lang, last.edition));
  } catch (e) {
    status.textContent = t('error', { message: (e as Error).message });
  }
}

function spans_paragraph(spans: Record<string, unknown>[]): HTMLElement {
  const out = h('p', { class: 'diff' });
  for (const span of spans) {
    const text = String(span.text ?? '');
    const op = String(span.op ?? span.type ?? 'equal');
    out.append(op.startsWith('ins') ? h('ins', {}, text) : op.startsWith('del') ? h('del', {}, text) : text);
  }
  return out;
}

// The diff per language and changed paragraph as inserted/deleted spans when the API gives them
// ({"languages":[{"lang","changes":[{"section","spans":[{"op","text"}]}]}]}), else its unified text.
function render_diff(diff: unknown): Node {
  const body = diff as Record<string, unknown>;
  if (Array.isArray(body?.languages)) {
    const out = h('div', {});
    for (const language of body.languages as Record<string, unknown>[]) {
      out.append(h('h3', {}, String(language.lang ?? '')));
      for (const change of (language.changes ?? []) as Record<string, unknown>[]) {
        if (change.section) out.append(h('p', { class: 'muted' }, `${t('kb_section')}: ${String(change.section)}`));
        out.append(spans_paragraph((change.spans ?? []) as Record<string, unknown>[]));
      }
    }
    return out;
  }
  const spans = Array.isArray(body?.spans) ? body.spans : Array.isArray(body?.changes) ? body.changes : null;
  if (spans) return spans_paragraph(spans as Record<string, unknown>[]);
  const text = typeof body?.unified === 'string' ? body.unified : typeof body?.text === 'string' ? body.text
    : typeof diff === 'string' ? diff : JSON.stringify(diff, null, 2);
  const pre = h('pre', { class: 'diff' });
  for (const line of String(text).split('\n')) {
    pre.append(line.startsWith('+') ? h('ins', {}, line) : line.startsWith('-') ? h('del', {}, line) : line, '\n');
  }
  return pre;
}

// One document of the knowledge centre: its sections, and links to its translations and editions.
export async function render_document_view(container: HTMLElement, id: string): Promise<void> {
  container.replaceChildren(h('p', { role: 'status' }, t('loading')));
  let body: Record<string, unknown>;
  try {
    body = await fetch_document(id) as Record<string, unknown>;
  } catch (e) {
    container.replaceChildren(h('p', { role: 'alert' }, t('error', { message: (e as Error).message })));
    return;
  }
  const doc = (body.document ?? body) as Record<string, unknown>;
  const meta = (doc.meta ?? doc) as Record<string, unknown>;
  const lang_tag = String(meta.lang ?? '');
  const article = h('article', { lang: lang_tag || undefined, id: 'kb-document' },
    h('h1', {}, String(meta.title ?? meta.family ?? id)),
    h('p', { class: 'muted' }, [meta.family, meta.edition && `${t('kb_edition')} ${meta.edition}`, lang_tag, meta.published]
      .filter(Boolean).join(' · ')));
  for (const section of (doc.sections ?? []) as Record<string, unknown>[]) {
    const level = Math.min(6, Math.max(2, Number(section.level ?? 1) + 1));
    if (section.heading) article.append(h(`h${level}` as 'h2', {}, String(section.heading)));
    for (const paragraph of (section.paragraphs ?? []) as unknown[]) article.append(h('p', {}, String(paragraph)));
  }
  const related = [...((body.translations ?? []) as Record<string, unknown>[]), ...((body.editions ?? []) as Record<string, unknown>[])]
    .filter((r) => r.id !== undefined && String(r.id) !== id);
  container.replaceChildren(h('p', {}, h('a', { href: '/knowledge', 'data-nav': true }, `← ${t('kb_title')}`)), article,
    related.length ? h('nav', { 'aria-label': t('kb_family') }, h('ul', {}, ...related.map((r) => h('li', {},
      h('a', { href: `/knowledge/document/${encodeURIComponent(String(r.id))}`, 'data-nav': true },
        [r.title, r.edition && `${t('kb_edition')} ${r.edition}`, r.lang].filter(Boolean).join(' · ')))))) : '');
}
