-- Server-Sent Events (graphql-sse at /graphql/stream) is a surface of its own in the audit trail
ALTER TYPE "Surface" ADD VALUE 'SSE' AFTER 'WEBSOCKET';
