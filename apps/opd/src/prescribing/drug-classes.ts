/*
 * Drug classes by ingredient name (as normaliseIngredient gives it; a name also covers its salts:
 * "diclofenac" is "diclofenac sodium"). Members are generics prescribed in Indian OPDs; the
 * starter formulary (terminology/formulary/formulary.csv) names them the same way.
 */

/** Non-aspirin NSAIDs (aspirin is listed on its own where its low antiplatelet dose matters). */
export const NSAIDS = [
  'ibuprofen',
  'diclofenac',
  'aceclofenac',
  'naproxen',
  'mefenamic acid',
  'ketorolac',
  'etoricoxib',
  'celecoxib',
  'piroxicam',
  'meloxicam',
  'lornoxicam',
  'nimesulide',
  'indomethacin',
  'indometacin',
  'ketoprofen',
  'dexketoprofen',
  'flurbiprofen',
  'etodolac',
] as const;

export const COUMARIN_ANTICOAGULANTS = ['warfarin', 'acenocoumarol'] as const;
export const ACE_INHIBITORS = ['enalapril', 'ramipril', 'lisinopril', 'perindopril', 'captopril'] as const;
export const ANGIOTENSIN_RECEPTOR_BLOCKERS = [
  'telmisartan',
  'losartan',
  'olmesartan',
  'valsartan',
  'irbesartan',
  'candesartan',
  'azilsartan',
] as const;
export const POTASSIUM_SPARING_DIURETICS = ['spironolactone', 'eplerenone', 'amiloride', 'triamterene'] as const;
export const THIAZIDE_DIURETICS = ['hydrochlorothiazide', 'chlorthalidone', 'indapamide'] as const;
export const ORGANIC_NITRATES = ['isosorbide mononitrate', 'isosorbide dinitrate', 'glyceryl trinitrate'] as const;
export const PDE5_INHIBITORS = ['sildenafil', 'tadalafil', 'vardenafil'] as const;
export const SEROTONERGIC_ANTIDEPRESSANTS = [
  'escitalopram',
  'citalopram',
  'sertraline',
  'fluoxetine',
  'paroxetine',
  'fluvoxamine',
  'venlafaxine',
  'desvenlafaxine',
  'duloxetine',
] as const;
export const OPIOIDS = [
  'tramadol',
  'tapentadol',
  'codeine',
  'morphine',
  'oxycodone',
  'fentanyl',
  'buprenorphine',
  'methadone',
  'pentazocine',
] as const;
export const BENZODIAZEPINES = [
  'alprazolam',
  'clonazepam',
  'diazepam',
  'lorazepam',
  'chlordiazepoxide',
  'nitrazepam',
  'clobazam',
  'midazolam',
] as const;
export const GABAPENTINOIDS = ['pregabalin', 'gabapentin'] as const;
export const FLUOROQUINOLONES = ['ciprofloxacin', 'ofloxacin', 'levofloxacin', 'moxifloxacin', 'norfloxacin'] as const;
export const TETRACYCLINES = ['doxycycline', 'tetracycline', 'minocycline'] as const;
/** Strong CYP3A4 inhibitors that the simvastatin label contraindicates (the ones an OPD prescribes). */
export const STRONG_CYP3A4_INHIBITORS = [
  'clarithromycin',
  'erythromycin',
  'itraconazole',
  'ketoconazole',
  'posaconazole',
  'voriconazole',
] as const;

/** Oral products whose di- and trivalent cations bind quinolones, tetracyclines and levothyroxine in the gut. */
export const POLYVALENT_CATIONS = [
  'calcium',
  'magnesium',
  'aluminium',
  'zinc',
  'sucralfate',
  // Oral iron; intravenous iron (ferric carboxymaltose, iron sucrose) never meets the drug in the gut.
  'ferrous',
  'ferric ammonium citrate',
  'ferric hydroxide polymaltose',
  'iron polymaltose',
  'carbonyl iron',
] as const;

/**
 * Drugs with a known risk of torsades de pointes on CredibleMeds' QTdrugs list (crediblemeds.org),
 * among those prescribed in Indian OPDs.
 */
export const QT_PROLONGING = [
  'azithromycin',
  'clarithromycin',
  'erythromycin',
  'ciprofloxacin',
  'levofloxacin',
  'moxifloxacin',
  'fluconazole',
  'ondansetron',
  'domperidone',
  'chloroquine',
  'hydroxychloroquine',
  'citalopram',
  'escitalopram',
  'amiodarone',
  'haloperidol',
  'methadone',
  'sotalol',
] as const;

export const PENICILLINS = [
  'penicillin',
  'benzylpenicillin',
  'phenoxymethylpenicillin',
  'benzathine benzylpenicillin',
  'benzathine penicillin',
  'procaine penicillin',
  'amoxicillin',
  'ampicillin',
  'cloxacillin',
  'dicloxacillin',
  'flucloxacillin',
  'piperacillin',
] as const;

export const CEPHALOSPORINS = [
  'cefalexin',
  'cefadroxil',
  'cefazolin',
  'cefaclor',
  'cefuroxime',
  'cefprozil',
  'cefixime',
  'cefpodoxime',
  'cefdinir',
  'ceftriaxone',
  'cefotaxime',
  'ceftazidime',
  'cefoperazone',
  'cefepime',
] as const;

/**
 * Sulfonamide antibiotics (the arylamine sulfonamides behind "sulfa allergy"; sulfasalazine releases
 * sulfapyridine). Non-antibiotic sulfonamides (furosemide, thiazides, celecoxib) are left out: an
 * allergy to the antibiotics does not predict reactions to them (Strom BL et al., N Engl J Med 2003;349:1628–35).
 */
export const SULFONAMIDE_ANTIBIOTICS = [
  'sulfamethoxazole',
  'sulfadiazine',
  'silver sulfadiazine',
  'sulfasalazine',
  'sulfacetamide',
] as const;
