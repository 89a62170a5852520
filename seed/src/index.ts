export * from './demo-tenant.ts';
export * from './synthetic.ts';
