import { SaxesParser, type SaxesTagNS } from 'saxes';

/**
 * Narrative XHTML rules (R4 txt-1, txt-2, and the narrative page): a well-formed `div` in the
 * XHTML namespace holding only the basic HTML 4 formatting, list, table, link and image elements
 * with their plain attributes, some non-whitespace content, and no HTML entities (XML's own and
 * character references only). Narrative is shown in browsers, so anything that runs script
 * (script elements, event handler attributes, javascript: URLs) is refused.
 */

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

const ELEMENTS = new Set(
  (
    'div span p br hr h1 h2 h3 h4 h5 h6 address bdo pre blockquote q cite em strong dfn code samp kbd var abbr acronym ' +
    'sub sup ins del b i tt big small ul ol li dl dt dd table caption thead tfoot tbody colgroup col tr th td a img'
  ).split(' '),
);

const COMMON_ATTRIBUTES = new Set(['id', 'class', 'style', 'title', 'lang', 'xml:lang', 'dir', 'xmlns']);
const ELEMENT_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'name', 'rel', 'hreflang', 'type'],
  img: ['src', 'alt', 'height', 'width', 'longdesc'],
  blockquote: ['cite'],
  q: ['cite'],
  ins: ['cite', 'datetime'],
  del: ['cite', 'datetime'],
  ol: ['start', 'type'],
  ul: ['type'],
  li: ['value', 'type'],
  table: ['summary', 'width', 'border', 'frame', 'rules', 'cellspacing', 'cellpadding'],
  col: ['span', 'width', 'align', 'valign', 'char', 'charoff'],
  colgroup: ['span', 'width', 'align', 'valign', 'char', 'charoff'],
  th: ['abbr', 'axis', 'headers', 'scope', 'rowspan', 'colspan', 'align', 'valign', 'char', 'charoff'],
  td: ['abbr', 'axis', 'headers', 'scope', 'rowspan', 'colspan', 'align', 'valign', 'char', 'charoff'],
  tr: ['align', 'valign', 'char', 'charoff'],
  thead: ['align', 'valign', 'char', 'charoff'],
  tbody: ['align', 'valign', 'char', 'charoff'],
  tfoot: ['align', 'valign', 'char', 'charoff'],
};
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'longdesc']);

class Refused extends Error {}

/** What is wrong with a narrative div, or undefined when it is acceptable. */
export function narrativeProblem(div: string): string | undefined {
  const parser = new SaxesParser({ xmlns: true });
  let depth = 0;
  let text = '';
  let hasImage = false;
  parser.on('error', (err) => {
    // saxes' messages carry positions and internals; ours say what the rule is.
    const entity = /undefined entity|entity/i.test(err.message);
    throw new Refused(
      entity
        ? 'it uses an entity other than &amp; &lt; &gt; &quot; &apos; (write the character itself or &#NNN;)'
        : 'it is not well-formed XML',
    );
  });
  parser.on('doctype', () => {
    throw new Refused('it has a DOCTYPE');
  });
  parser.on('processinginstruction', () => {
    throw new Refused('it has a processing instruction');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (depth === 0 && tag.local !== 'div') throw new Refused(`its root element is <${tag.name}>, not <div>`);
    depth++;
    if (tag.uri !== XHTML_NS) throw new Refused(`<${tag.name}> is not in the XHTML namespace`);
    if (!ELEMENTS.has(tag.local)) throw new Refused(`the element <${tag.local}> is not allowed`);
    if (tag.local === 'img') hasImage = true;
    for (const attr of Object.values(tag.attributes)) {
      const name = attr.prefix === 'xmlns' || attr.name === 'xmlns' ? 'xmlns' : attr.name;
      if (/^on/i.test(attr.local)) throw new Refused(`the event handler attribute ${attr.name} on <${tag.local}> is not allowed`);
      if (!COMMON_ATTRIBUTES.has(name) && !ELEMENT_ATTRIBUTES[tag.local]?.includes(name)) {
        throw new Refused(`the attribute ${attr.name} on <${tag.local}> is not allowed`);
      }
      if (URL_ATTRIBUTES.has(name) && /^\s*(javascript|vbscript|data:text\/html)/i.test(attr.value)) {
        throw new Refused(`the ${name} of <${tag.local}> runs script`);
      }
    }
  });
  parser.on('closetag', () => {
    depth--;
  });
  parser.on('text', (t) => {
    text += t;
  });
  try {
    parser.write(div).close();
  } catch (err) {
    if (err instanceof Refused) return err.message;
    return 'it is not well-formed XML';
  }
  if (text.trim() === '' && !hasImage) return 'it has no content (txt-2)';
  return undefined;
}
