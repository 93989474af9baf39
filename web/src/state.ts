// State shared by the views: the location list (loaded once) and localized location names.
import { fetch_locations, type Location } from './api';
import { lang } from './i18n';

let locations_promise: Promise<Map<string, Location>> | null = null;

export function locations(): Promise<Map<string, Location>> {
  if (!locations_promise) {
    locations_promise = fetch_locations().then((list) => new Map(list.map((l) => [l.code, l])));
    locations_promise.catch(() => {
      locations_promise = null;  // let a later view retry after a failed load
    });
  }
  return locations_promise;
}

export function location_name(location: Location | undefined, fallback = ''): string {
  if (!location) return fallback;
  return (lang() === 'zh' && location.name_zh) ? location.name_zh : location.name_en || location.code;
}
