/**
 * A generated block of a Markdown file: the lines between a start and an end marker (HTML comments,
 * invisible when rendered), rewritten by the tool that generates them and checked by a test, so
 * documentation that restates the code (the topology diagram, the policy's rule table, the benchmark
 * figures) cannot drift from it.
 */
export interface BlockMarkers {
  readonly start: string;
  readonly end: string;
}

/** `doc` with the text between the markers replaced by `content`; undefined when the markers are missing. */
export function replaceBlock(doc: string, markers: BlockMarkers, content: string): string | undefined {
  const start = doc.indexOf(markers.start);
  const end = doc.indexOf(markers.end);
  if (start < 0 || end < start) return undefined;
  return `${doc.slice(0, start + markers.start.length)}\n${content}\n${doc.slice(end)}`;
}

/** The text between the markers, or undefined when they are missing. */
export function blockContent(doc: string, markers: BlockMarkers): string | undefined {
  const start = doc.indexOf(markers.start);
  const end = doc.indexOf(markers.end);
  if (start < 0 || end < start) return undefined;
  return doc.slice(start + markers.start.length + 1, end - 1);
}
