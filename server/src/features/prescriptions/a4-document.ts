import PDFDocument from 'pdfkit';
import { registerFonts } from './fonts.ts';
import { Typesetter } from './text.ts';

/**
 * A one-flow A4 document (36 pt margins, the project's fonts) as the invoice and the lab report
 * print it: the document, its typesetter, and the finished bytes once `doc.end()` is called.
 */
export function openA4Document(title: string, now: Date): { doc: PDFKit.PDFDocument; ts: Typesetter; done: Promise<Buffer> } {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 36,
    compress: true,
    lang: 'en-IN',
    info: { Title: title, Creator: 'Hospital-Ops', CreationDate: now },
  });
  registerFonts(doc);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, ts: new Typesetter(doc), done };
}
