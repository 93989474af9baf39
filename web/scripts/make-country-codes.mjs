#!/usr/bin/env node
// Regenerates src/data/iso_numeric_to_iso3.json: the world-atlas map ids are ISO 3166-1 numeric codes,
// the API's location codes are ISO 3166-1 alpha-3, so the map needs this join table. It is derived from
// the DataHub country-codes table in the shared data folder (read in place, never copied):
//   node scripts/make-country-codes.mjs [path/to/country-codes.csv]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.SHOUWANG_SHARED_DIR ?? join(here, '..', '..', '..', 'shared');
const source = process.argv[2] ?? join(shared, 'data', 'metadata', 'datahub', 'country-codes.csv');

// RFC 4180 records: quoted fields may hold commas and doubled quotes.
function parse_csv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; ++i; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') ++i;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const [header, ...records] = parse_csv(readFileSync(source, 'utf8'));
const alpha3 = header.indexOf('ISO3166-1-Alpha-3');
const numeric = header.indexOf('ISO3166-1-numeric');
if (alpha3 < 0 || numeric < 0) throw new Error(`${source}: ISO3166-1 columns not found`);

const table = {};
for (const r of records) {
  const code = (r[alpha3] ?? '').trim(), num = (r[numeric] ?? '').trim();
  if (/^[A-Z]{3}$/.test(code) && /^\d+$/.test(num)) table[num.padStart(3, '0')] = code;
}
const sorted = Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
const out = join(here, '..', 'src', 'data', 'iso_numeric_to_iso3.json');
writeFileSync(out, JSON.stringify(sorted, null, 0).replace(/,"/g, ',\n"') + '\n');
console.log(`wrote ${Object.keys(sorted).length} codes to ${out}`);
