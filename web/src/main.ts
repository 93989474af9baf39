// Entry point: the header (navigation, language switch), client-side routing between the views,
// and re-rendering the current view when the language changes.
import './styles.css';
import { has_feature } from './api';
import { render_alerts_view } from './alerts_view';
import { render_country_view } from './country_view';
import { h } from './dom';
import { lang, on_lang_change, set_lang, t } from './i18n';
import { render_document_view, render_knowledge_view } from './knowledge_view';
import { render_map_view } from './map_view';

const main = document.getElementById('main')!;
const nav = document.getElementById('main-nav')!;
const lang_button = document.getElementById('lang-switch') as HTMLButtonElement;
let render_count = 0;

function navigate(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, '', path);
  void route(true);
}

async function draw_chrome(): Promise<void> {
  document.documentElement.lang = lang() === 'zh' ? 'zh-Hans' : 'en';
  document.getElementById('brand-name')!.textContent = lang() === 'zh' ? '' : t('brand');
  document.querySelector('.skip-link')!.textContent = t('skip');
  document.getElementById('footer')!.textContent = t('footer');
  lang_button.textContent = t('switch_to');
  lang_button.setAttribute('aria-label', t('switch_label'));
  lang_button.lang = lang() === 'zh' ? 'en' : 'zh-Hans';
  const [alerts, kb] = await Promise.all([has_feature('alerts'), has_feature('kb')]);
  const links: [string, string][] = [['/', t('nav_map')]];
  if (alerts) links.push(['/alerts', t('nav_alerts')]);
  if (kb) links.push(['/knowledge', t('nav_knowledge')]);
  nav.replaceChildren(h('ul', {}, ...links.map(([href, label]) => h('li', {},
    h('a', { href, 'data-nav': true, id: `nav-${href.slice(1) || 'map'}` }, label)))));
  mark_current_link();
}

function mark_current_link(): void {
  for (const a of nav.querySelectorAll('a')) {
    const href = a.getAttribute('href')!;
    const current = href === '/' ? location.pathname === '/' || location.pathname.startsWith('/country/') : location.pathname.startsWith(href);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route(move_focus: boolean): Promise<void> {
  const this_render = ++render_count;
  const path = location.pathname;
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  document.title = t('brand');
  mark_current_link();
  main.dataset.ready = 'false';
  try {
    const country = /^\/country\/([A-Za-z0-9_-]+)$/.exec(path);
    if (path === '/' || path === '/index.html') {
      document.title = `${t('map_title')} · ${t('brand')}`;
      await render_map_view(view, navigate);
    } else if (country) {
      await render_country_view(view, country[1].toUpperCase());
    } else if (path === '/alerts' && await has_feature('alerts')) {
      document.title = `${t('alerts_title')} · ${t('brand')}`;
      await render_alerts_view(view);
    } else if (path.startsWith('/knowledge/document/') && await has_feature('kb')) {
      document.title = `${t('kb_title')} · ${t('brand')}`;
      await render_document_view(view, decodeURIComponent(path.slice('/knowledge/document/'.length)));
    } else if (path === '/knowledge' && await has_feature('kb')) {
      document.title = `${t('kb_title')} · ${t('brand')}`;
      await render_knowledge_view(view, new URLSearchParams(location.search), navigate);
    } else {
      view.replaceChildren(h('h1', {}, t('not_found')), h('p', {}, h('a', { href: '/', 'data-nav': true }, t('back_to_map'))));
    }
  } catch (e) {
    view.replaceChildren(h('p', { class: 'status', role: 'alert' }, t('error', { message: (e as Error).message })));
  }
  if (this_render !== render_count) return;
  main.dataset.ready = 'true';
  if (move_focus) main.focus({ preventScroll: false });
}

// Same-origin links marked data-nav change the view without reloading the page.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = (event.target as Element).closest?.('a[data-nav]') as HTMLAnchorElement | null;
  if (!link) return;
  event.preventDefault();
  navigate(link.getAttribute('href')!);
});
window.addEventListener('popstate', () => void route(false));
lang_button.addEventListener('click', () => set_lang(lang() === 'zh' ? 'en' : 'zh'));
on_lang_change(() => {
  void draw_chrome();
  void route(false);
});

void draw_chrome();
void route(false);
