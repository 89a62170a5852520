/**
 * A small analyser simulator for the tests and the demo: it writes ORU^R01 messages the way a
 * haematology or chemistry analyser's middleware does (HL7 v2.5.1, CR segment separators, the
 * accession number from the tube's barcode in OBR-3, one OBX per analyte with LOINC codes and
 * UCUM units, result status F) and sends them to the server's analyser endpoint.
 */

export interface Reading {
  loinc: string;
  name: string;
  value: string | number;
  unit: string;
  type?: 'NM' | 'ST';
}

let control = 0;

export function oru(accession: string, readings: Reading[], o: { instrument?: string; controlId?: string; panel?: string } = {}): string {
  const now = '20261206101500';
  const controlId = o.controlId ?? `SIM${String(++control).padStart(6, '0')}`;
  return [
    `MSH|^~\\&|${o.instrument ?? 'XN-550'}|SANJEEVANI-LAB|HOSPITAL-OPS|SANJEEVANI|${now}||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
    'PID|1||||',
    `OBR|1||${accession}|${o.panel ?? '58410-2^CBC panel^LN'}|||${now}`,
    ...readings.map((r, i) => `OBX|${i + 1}|${r.type ?? 'NM'}|${r.loinc}^${r.name}^LN||${r.value}|${r.unit}|||||F|||${now}`),
  ].join('\r');
}

/** Sends a message as the analyser's middleware would, returning the ACK and any OperationOutcome. */
export async function send(post: (path: string, body: unknown) => Promise<{ status: number; body: any }>, message: string) {
  const res = await post('Specimen/$analyser-result', {
    resourceType: 'Parameters',
    parameter: [{ name: 'message', valueString: message }],
  });
  const ack: string = res.body?.parameter?.find((p: any) => p.name === 'ack')?.valueString ?? '';
  const msa =
    ack
      .split('\r')
      .find((s) => s.startsWith('MSA|'))
      ?.split('|') ?? [];
  return { status: res.status, ack, code: msa[1], controlId: msa[2], text: msa[3], body: res.body };
}

/**
 * The analyser's side of MLLP: connects, sends each message framed (split into small chunks when
 * `chunk` is given, as TCP may deliver them), and collects one ACK per message.
 */
export async function mllpSend(port: number, messages: string[], o: { chunk?: number } = {}): Promise<string[]> {
  const { connect } = await import('node:net');
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const acks: string[] = [];
  let buffer = Buffer.alloc(0);
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (d) => {
      buffer = Buffer.concat([buffer, d]);
      for (;;) {
        const start = buffer.indexOf(0x0b);
        const end = buffer.indexOf(0x1c);
        if (start < 0 || end < 0) break;
        acks.push(buffer.subarray(start + 1, end).toString('utf8'));
        buffer = buffer.subarray(end + 2);
      }
      if (acks.length === messages.length) resolve();
    });
    socket.on('close', () =>
      acks.length === messages.length ? resolve() : reject(new Error(`connection closed after ${acks.length} ACKs`)),
    );
    socket.on('error', reject);
  });
  const bytes = Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([0x0b]), Buffer.from(m, 'utf8'), Buffer.from([0x1c, 0x0d])])));
  const size = o.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += size) {
    socket.write(bytes.subarray(i, i + size));
    if (o.chunk) await new Promise((r) => setTimeout(r, 2));
  }
  await done;
  socket.end();
  return acks;
}

export const msa = (ack: string) =>
  ack
    .split('\r')
    .find((s) => s.startsWith('MSA|'))
    ?.split('|') ?? [];
