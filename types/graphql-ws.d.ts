// graphql-ws publishes its server adapter and client only as package-export
// subpaths, which TypeScript's "node" module resolution (this project's, for
// CommonJS) does not read. These declarations give the subpaths the types
// of the files they resolve to; at run time Node, tsx and jest read the
// exports themselves. (A tsconfig `paths` mapping would also redirect tsx's
// run-time resolution, to the type files.)
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws.cjs';
}
declare module 'graphql-ws/client' {
  export * from 'graphql-ws/dist/client.cjs';
}
