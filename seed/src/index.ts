export * from './demo-tenant.ts';
export * from './demo-wards.ts';
export * from './synthetic.ts';
