/**
 * Amounts in words as Indian invoices print them, in the Indian system (thousand, lakh, crore):
 * "Rupees One Lakh Twenty-Three Thousand Four Hundred Five and Fifty Paise Only" and
 * "एक लाख तेईस हज़ार चार सौ पाँच रुपये और पचास पैसे मात्र". Hindi numbers below 100 are each a word
 * of their own, hence the table.
 */

const EN_ONES = [
  '',
  'One',
  'Two',
  'Three',
  'Four',
  'Five',
  'Six',
  'Seven',
  'Eight',
  'Nine',
  'Ten',
  'Eleven',
  'Twelve',
  'Thirteen',
  'Fourteen',
  'Fifteen',
  'Sixteen',
  'Seventeen',
  'Eighteen',
  'Nineteen',
];
const EN_TENS = ['', '', 'Twenty', 'Thirty', 'Forty', 'Fifty', 'Sixty', 'Seventy', 'Eighty', 'Ninety'];

const HI_0_99 = (
  ' एक दो तीन चार पाँच छह सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस बीस ' +
  'इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस तीस इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस चालीस ' +
  'इकतालीस बयालीस तैंतालीस चौवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास पचास इक्यावन बावन तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ साठ ' +
  'इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उन्यासी अस्सी ' +
  'इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी नब्बे इक्यानवे बानवे तिरानवे चौरानवे पंचानवे छियानवे सत्तानवे अट्ठानवे निन्यानवे'
).split(' ');

function enBelow100(n: number): string {
  if (n < 20) return EN_ONES[n];
  return EN_TENS[Math.floor(n / 10)] + (n % 10 ? `-${EN_ONES[n % 10]}` : '');
}

function enBelow1000(n: number): string {
  const h = Math.floor(n / 100);
  const rest = n % 100;
  return [h ? `${EN_ONES[h]} Hundred` : '', rest ? enBelow100(rest) : ''].filter(Boolean).join(' ');
}

/** Whole number in Indian-system words; units: crore (10^7), lakh (10^5), thousand, hundred. */
function indian(n: number, below100: (n: number) => string, below1000: (n: number) => string, units: [string, string, string]): string {
  if (n === 0) return '';
  const crore = Math.floor(n / 10_000_000);
  const lakh = Math.floor((n % 10_000_000) / 100_000);
  const thousand = Math.floor((n % 100_000) / 1000);
  const rest = n % 1000;
  return [
    crore ? `${indian(crore, below100, below1000, units)} ${units[0]}` : '',
    lakh ? `${below100(lakh)} ${units[1]}` : '',
    thousand ? `${below100(thousand)} ${units[2]}` : '',
    rest ? below1000(rest) : '',
  ]
    .filter(Boolean)
    .join(' ');
}

const hiBelow100 = (n: number) => HI_0_99[n];
const hiBelow1000 = (n: number) => {
  const h = Math.floor(n / 100);
  const rest = n % 100;
  return [h ? `${HI_0_99[h]} सौ` : '', rest ? HI_0_99[rest] : ''].filter(Boolean).join(' ');
};

export function amountInWords(paise: number, lang: 'en' | 'hi'): string {
  if (!Number.isInteger(paise) || paise < 0) throw new Error('amountInWords takes whole, non-negative paise');
  const rupees = Math.floor(paise / 100);
  const p = paise % 100;
  if (lang === 'en') {
    const r = indian(rupees, enBelow100, enBelow1000, ['Crore', 'Lakh', 'Thousand']) || 'Zero';
    return `Rupees ${r}${p ? ` and ${enBelow100(p)} Paise` : ''} Only`;
  }
  const r = indian(rupees, hiBelow100, hiBelow1000, ['करोड़', 'लाख', 'हज़ार']) || 'शून्य';
  return `${r} रुपये${p ? ` और ${HI_0_99[p]} पैसे` : ''} मात्र`;
}
