import type { WithId } from '@medplum/core';
import type { ChargeItem, Invoice, Organization, Patient } from '@medplum/fhirtypes';
import QRCode from 'qrcode';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { localReference } from '../opd/fhir.ts';
import { openA4Document } from '../prescriptions/a4-document.ts';
import type { Style } from '../prescriptions/text.ts';
import { CORRECTS_URL, GSTIN_SYSTEM, HOPS, HSN_SAC_URL, paiseOf } from './fhir.ts';
import { amountInWords } from './words.ts';

/**
 * The printable bill (docs/billing.md): `Invoice/{id}/$invoice-pdf`, A4, English with Hindi
 * headings: the branch and its GSTIN, bill number and date, the patient, one row per line with
 * HSN/SAC, quantity, taxable value and GST, the totals with round-off, the amount in words in
 * English and Hindi, and a UPI QR for the amount when the branch has a UPI id
 * (extension `upi-vpa`, valueString).
 */

export const UPI_VPA_URL = `${HOPS}/StructureDefinition/upi-vpa`;

export interface InvoiceLineView {
  n: number;
  description: string;
  code: string;
  quantity: string;
  taxablePaise: number;
  taxPaise: number;
  totalPaise: number;
}

export interface InvoiceView {
  title: string;
  branch: { name: string; address: string; gstin: string; vpa?: string };
  number: string;
  date: string;
  patient: { name: string; uhid?: string };
  lines: InvoiceLineView[];
  netPaise: number;
  cgstPaise: number;
  sgstPaise: number;
  igstPaise: number;
  roundOffPaise: number;
  grossPaise: number;
  words: { en: string; hi: string };
  corrects?: string;
}

const component = (line: NonNullable<Invoice['lineItem']>[number], code: string) =>
  paiseOf(line.priceComponent?.find((p) => p.code?.coding?.[0]?.code === code)?.amount) ?? 0;

export async function invoiceView(tx: PostgresRepository, invoice: WithId<Invoice>): Promise<InvoiceView> {
  const base = tx.baseUrl;
  const read = async <T extends Organization | Patient | ChargeItem>(ref: string | undefined, type: T['resourceType']) => {
    const r = localReference(ref, base);
    return r?.type === type ? await tx.readResource<T>(type, r.id).catch(() => undefined) : undefined;
  };
  const branch = await read<Organization>(invoice.issuer?.reference, 'Organization');
  const patient = await read<Patient>(invoice.subject?.reference, 'Patient');
  const lines: InvoiceLineView[] = [];
  let cgst = 0;
  let sgst = 0;
  let igst = 0;
  for (const line of invoice.lineItem ?? []) {
    const charge = await read<ChargeItem>(line.chargeItemReference?.reference, 'ChargeItem');
    const taxable = component(line, '01');
    const [c, s, i] = [component(line, '03'), component(line, '04'), component(line, 'IGST')];
    cgst += c;
    sgst += s;
    igst += i;
    lines.push({
      n: line.sequence ?? lines.length + 1,
      description:
        charge?.productCodeableConcept?.text ??
        charge?.productReference?.display ??
        charge?.code?.text ??
        charge?.code?.coding?.[0]?.display ??
        '',
      code: line.extension?.find((e) => e.url === HSN_SAC_URL)?.valueCoding?.code ?? '',
      quantity: String(charge?.quantity?.value ?? 1),
      taxablePaise: taxable,
      taxPaise: c + s + i,
      totalPaise: taxable + c + s + i,
    });
  }
  const roundOff = invoice.totalPriceComponent?.find((p) => p.code?.coding?.[0]?.code === 'round-off');
  const roundOffPaise = (paiseOf(roundOff?.amount) ?? 0) * (roundOff?.type === 'discount' ? -1 : 1);
  const grossPaise = paiseOf(invoice.totalGross) ?? 0;
  const address = branch?.address?.[0];
  const isCredit = invoice.extension?.some((e) => e.url === CORRECTS_URL) || invoice.identifier?.[0]?.type?.text === 'Credit note number';
  return {
    title: isCredit ? 'Credit Note / क्रेडिट नोट' : 'Tax Invoice / कर बीजक',
    branch: {
      name: branch?.name ?? invoice.issuer?.display ?? '',
      address: [address?.line?.join(', '), address?.city, address?.state, address?.postalCode].filter(Boolean).join(', '),
      gstin: branch?.identifier?.find((i) => i.system === GSTIN_SYSTEM)?.value ?? '',
      vpa: branch?.extension?.find((e) => e.url === UPI_VPA_URL)?.valueString,
    },
    number: invoice.identifier?.[0]?.value ?? '',
    date: (invoice.date ?? '').slice(0, 16).replace('T', ' '),
    patient: {
      name: patient?.name?.[0]?.text ?? [patient?.name?.[0]?.given?.join(' '), patient?.name?.[0]?.family].filter(Boolean).join(' '),
      uhid: patient?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value,
    },
    lines,
    netPaise: paiseOf(invoice.totalNet) ?? 0,
    cgstPaise: cgst,
    sgstPaise: sgst,
    igstPaise: igst,
    roundOffPaise,
    grossPaise,
    words: { en: amountInWords(grossPaise, 'en'), hi: amountInWords(grossPaise, 'hi') },
    corrects: invoice.extension?.find((e) => e.url === CORRECTS_URL)?.valueReference?.reference,
  };
}

/** `upi://pay` for the bill: the branch's UPI id, its name, the amount and the bill number. */
export function upiUri(view: InvoiceView): string | undefined {
  if (!view.branch.vpa || view.grossPaise <= 0) return undefined;
  const q = new URLSearchParams({
    pa: view.branch.vpa,
    pn: view.branch.name,
    am: (view.grossPaise / 100).toFixed(2),
    cu: 'INR',
    tn: `Bill ${view.number}`,
  });
  return `upi://pay?${q.toString().replace(/\+/g, '%20')}`;
}

const rupees = (paise: number) => `₹${(paise / 100).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const S = {
  org: { size: 15, bold: true, color: '#0b5563' },
  small: { size: 8.5, color: '#555555' },
  body: { size: 9 },
  bold: { size: 9, bold: true },
  title: { size: 12, bold: true },
} satisfies Record<string, Style>;

export async function renderInvoicePdf(view: InvoiceView, now = new Date()): Promise<Buffer> {
  const { doc, ts, done } = openA4Document(`${view.title} ${view.number}`, now);
  const X = 36;
  const W = 595.28 - 72;
  let y = 36;
  y += ts.draw(view.branch.name, X, y, S.org, W);
  y += ts.draw(view.branch.address, X, y, S.small, W);
  y += ts.draw(`GSTIN / जीएसटीआईएन: ${view.branch.gstin}`, X, y, S.bold, W) + 6;
  y += ts.draw(view.title, X, y, S.title, W, 'center') + 4;
  ts.draw(`Bill no. / बिल नं.: ${view.number}`, X, y, S.bold, W / 2);
  y += ts.draw(`Date / दिनांक: ${view.date}`, X + W / 2, y, S.body, W / 2, 'right');
  y += ts.draw(`Patient / मरीज़: ${view.patient.name}${view.patient.uhid ? `   UHID ${view.patient.uhid}` : ''}`, X, y, S.body, W);
  if (view.corrects) y += ts.draw(`Corrects / सुधार: ${view.corrects}`, X, y, S.small, W);
  y += 6;
  // Columns: #, description, HSN/SAC, qty, taxable, GST, total.
  const cols = [20, 200, 60, 35, 70, 60, 78];
  const xs = cols.map((_, i) => X + cols.slice(0, i).reduce((a, b) => a + b, 0));
  const row = (cells: string[], style: Style) => {
    const h = Math.max(...cells.map((c, i) => ts.height(c, style, cols[i] - 4)));
    cells.forEach((c, i) => {
      ts.draw(c, xs[i], y, style, cols[i] - 4, i >= 3 ? 'right' : 'left');
    });
    y += h + 3;
  };
  row(['#', 'Item / मद', 'HSN/SAC', 'Qty', 'Taxable', 'GST', 'Amount'], S.bold);
  doc
    .moveTo(X, y)
    .lineTo(X + W, y)
    .lineWidth(0.6)
    .strokeColor('#c9d6d8')
    .stroke();
  y += 3;
  for (const l of view.lines) {
    if (y > 740) {
      doc.addPage();
      y = 36;
    }
    row([String(l.n), l.description, l.code, l.quantity, rupees(l.taxablePaise), rupees(l.taxPaise), rupees(l.totalPaise)], S.body);
  }
  doc
    .moveTo(X, y)
    .lineTo(X + W, y)
    .lineWidth(0.6)
    .strokeColor('#c9d6d8')
    .stroke();
  y += 6;
  const total = (label: string, paise: number, style: Style = S.body) => {
    ts.draw(label, X + W - 260, y, style, 170, 'right');
    y += ts.draw(rupees(paise), X + W - 90, y, style, 90, 'right');
  };
  total('Taxable value / कर योग्य मूल्य', view.netPaise);
  if (view.igstPaise) total('IGST', view.igstPaise);
  else {
    total('CGST', view.cgstPaise);
    total('SGST', view.sgstPaise);
  }
  if (view.roundOffPaise) total('Round off / पूर्णांकन', view.roundOffPaise);
  total('Amount payable / देय राशि', view.grossPaise, S.bold);
  y += 8;
  y += ts.draw(view.words.en, X, y, S.bold, W);
  y += ts.draw(view.words.hi, X, y, S.body, W) + 8;
  const upi = upiUri(view);
  if (upi) {
    const qr = QRCode.create(upi, { errorCorrectionLevel: 'M' });
    const size = qr.modules.size;
    const cell = 90 / size;
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) if (qr.modules.get(r, c)) doc.rect(X + c * cell, y + r * cell, cell, cell).fill('#000000');
    ts.draw(`Pay by UPI / यूपीआई से भुगतान: ${view.branch.vpa}`, X + 100, y + 35, S.small, W - 100);
    y += 96;
  }
  ts.draw(`Generated ${now.toISOString().slice(0, 10)} by Hospital-Ops`, X, 800, S.small, W);
  doc.end();
  return done;
}

/** `GET/POST Invoice/{id}/$invoice-pdf`: the bill as a Binary (application/pdf), read through the caller's repository. */
export async function invoicePdf(repo: PostgresRepository, id: string): Promise<Buffer> {
  const view = await repo.withTransaction(async (tx) => invoiceView(tx, await tx.readResource<Invoice>('Invoice', id)), {
    resourceTypes: [],
  });
  return renderInvoicePdf(view);
}
