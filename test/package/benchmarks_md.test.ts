/**
 * BENCHMARKS.md is rewritten one section at a time by several benchmarks (scripts/benchmarks_md.ts):
 * a rewrite keeps every other section, and a "### " part of a section can be rewritten alone.
 */
import { describe, expect, it } from 'vitest';
import { replacePart, replaceSection } from '../../scripts/benchmarks_md.js';

const DOC = ['# Benchmarks', '', '## A', 'a', '', '## B', 'intro', '', '### B1', 'one', '', '### B2', 'two', '', '## C', 'c', ''].join(
  '\n',
);

describe('BENCHMARKS.md sections', () => {
  it('replaces a "## " section up to the next "## " heading, parts included, and appends a new one', () => {
    expect(replaceSection(DOC, '## B', '## B\nnew\n')).toBe(
      ['# Benchmarks', '', '## A', 'a', '', '## B', 'new', '', '## C', 'c', ''].join('\n'),
    );
    expect(replaceSection(DOC, '## D', '## D\nd\n')).toBe(DOC.trimEnd() + '\n\n## D\nd\n');
  });

  it('replaces a "### " part alone, adds a missing part at the end of its section, and a missing section with its intro', () => {
    expect(replacePart(DOC, '## B', '## B\nintro', '### B1', '### B1\nuno\n')).toBe(DOC.replace('### B1\none\n', '### B1\nuno\n'));
    expect(replacePart(DOC, '## B', '## B\nintro', '### B3', '### B3\nthree\n')).toBe(
      DOC.replace('two\n\n## C', 'two\n\n### B3\nthree\n\n## C'),
    );
    expect(replacePart('# Benchmarks\n', '## E', '## E\nwhy', '### E1', '### E1\nx\n')).toBe('# Benchmarks\n\n## E\nwhy\n\n### E1\nx\n');
  });
});
