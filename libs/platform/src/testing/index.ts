// Test support shared by the platform's own tests and the end-to-end tests; apps never import it.
export * from './raw-http-connection';
