import { REDACTED, maxUrlLength, redactUrl } from '../src/analytics/redact';
import { defaultRedactedKeys } from '../src/config';

const redact = (url: string) => redactUrl(url, defaultRedactedKeys);

describe('redactUrl', () => {
  it('keeps paths and harmless query values as sent', () => {
    expect(redact('/api/v1/documents?tag=go%20lang&limit=5')).toBe('/api/v1/documents?tag=go%20lang&limit=5');
    expect(redact('/api/v1/documents/abc')).toBe('/api/v1/documents/abc');
  });

  it('redacts values of sensitive keys and keeps their names', () => {
    expect(redact('/a?password=hunter2&tag=x&token=t0k')).toBe(`/a?password=${REDACTED}&tag=x&token=${REDACTED}`);
  });

  it('matches keys case-insensitively and by containment', () => {
    expect(redact('/a?API_KEY=1&apiKey=2&access_token=3&userEmail=a%40b.c&Client-Secret=4')).toBe(
      `/a?API_KEY=${REDACTED}&apiKey=${REDACTED}&access_token=${REDACTED}&userEmail=${REDACTED}&Client-Secret=${REDACTED}`,
    );
  });

  it('always redacts the search text on /api/v1/search, and only there; its filters and cursor stay', () => {
    expect(redact('/api/v1/search?q=my+diagnosis&tag=health&limit=5')).toBe(`/api/v1/search?q=${REDACTED}&tag=health&limit=5`);
    expect(redactUrl('/api/v1/search?%71=x&q=y', [])).toBe(`/api/v1/search?%71=${REDACTED}&q=${REDACTED}`);
    expect(redact('/api/v1/documents?q=kept')).toBe('/api/v1/documents?q=kept');
  });

  it('matches percent-encoded and plus-encoded key names', () => {
    expect(redact('/a?pass%77ord=x&session+id=y')).toBe(`/a?pass%77ord=${REDACTED}&session+id=${REDACTED}`);
  });

  it('redacts repeated keys, empty values and keys without a value', () => {
    expect(redact('/a?token=1&token=2&secret=&key')).toBe(`/a?token=${REDACTED}&token=${REDACTED}&secret=${REDACTED}&key=${REDACTED}`);
  });

  it('survives malformed percent escapes', () => {
    expect(redact('/a?%E0%A4%A=1&token%ZZ=2')).toBe(`/a?%E0%A4%A=1&token%ZZ=${REDACTED}`);
  });

  it('drops fragments (they can carry OAuth tokens in referers)', () => {
    expect(redact('https://isoscribe.example/page?x=1#access_token=abc')).toBe('https://isoscribe.example/page?x=1');
  });

  it('uses the configured list only', () => {
    expect(redactUrl('/a?token=1&pin=2', ['pin'])).toBe(`/a?token=1&pin=${REDACTED}`);
  });

  it(`cuts URLs to ${maxUrlLength} characters after redacting`, () => {
    const long = redact(`/a?token=${'x'.repeat(5000)}&q=${'y'.repeat(5000)}`);
    expect(long).toHaveLength(maxUrlLength);
    expect(long.startsWith(`/a?token=${REDACTED}&q=yyy`)).toBe(true);
  });
});
