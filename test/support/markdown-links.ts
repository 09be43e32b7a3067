import GithubSlugger from 'github-slugger';

/** One relative link found in a Markdown file: its target as written and the line it is on. */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** Lines outside fenced code blocks (``` or ~~~), with their 1-based numbers: code is not Markdown. */
function proseLines(markdown: string): Array<{ text: string; line: number }> {
  const lines: Array<{ text: string; line: number }> = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, index) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    // Indented code blocks (four spaces after a blank line) hold curl commands, not links.
    if (fence === undefined && !/^( {4}|\t)/.test(text)) lines.push({ text, line: index + 1 });
  });
  return lines;
}

/**
 * The anchors GitHub gives a file's headings (ATX `#` headings), made by github-slugger, the
 * package GitHub's own Markdown pipeline slugs with: lowercase, spaces → '-', punctuation other
 * than '-' and '_' dropped, repeats suffixed -1, -2, ….
 */
export function headingAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    // GitHub slugs the rendered text: a link's words, a code span's content.
    const rendered = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`([^`]*)`/g, '$1');
    anchors.add(slugger.slug(rendered));
  }
  return anchors;
}

/** Inline links and images `[text](target)` whose target is not a URL with a scheme (http:, mailto:, …). */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { text, line } of proseLines(markdown)) {
    const withoutCode = text.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length));
    for (const match of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ target, line });
    }
  }
  return links;
}
