// Before GraphiQL: Monaco asks MonacoEnvironment for its workers as soon as an
// editor mounts, and without this it would fetch them from a CDN.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { DOC_EXPLORER_PLUGIN } from '@graphiql/plugin-doc-explorer';
import { ToolbarButton } from '@graphiql/react';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { StrictMode, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import './page.css';

// sessionStorage, not localStorage: the key is gone when the browser session
// ends, and GraphiQL's own persisted state (tabs, history) never holds it.
const KEY_STORAGE = 'micro-ai-graph.api-key';

function fetcherWith(apiKey: string): GraphiQLProps['fetcher'] {
  return async (params, opts) => {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { ...opts?.headers, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-api-key': apiKey },
      body: JSON.stringify(params),
    });
    return res.json();
  };
}

function KeyForm({ onKey }: { onKey(key: string): void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onKey(value.trim());
  };
  return (
    <form className="key-form" onSubmit={submit}>
      <h1>Micro AI graph</h1>
      <label htmlFor="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" autoComplete="off" autoFocus placeholder="mai_test_…" value={value} onChange={(e) => setValue(e.target.value)} />
      <p>Sent as <code>X-API-Key</code> with every request; kept in this tab until the browser session ends.</p>
      <button type="submit">Open GraphiQL</button>
    </form>
  );
}

function App() {
  const [apiKey, setApiKey] = useState(() => sessionStorage.getItem(KEY_STORAGE));
  if (!apiKey) {
    return (
      <KeyForm
        onKey={(key) => {
          sessionStorage.setItem(KEY_STORAGE, key);
          setApiKey(key);
        }}
      />
    );
  }
  const forget = () => {
    sessionStorage.removeItem(KEY_STORAGE);
    setApiKey(null);
  };
  return (
    // Keyed by the key so a new key means a new fetcher and a fresh introspection.
    <GraphiQL key={apiKey} fetcher={fetcherWith(apiKey)} referencePlugin={DOC_EXPLORER_PLUGIN}>
      <GraphiQL.Logo>Micro AI graph</GraphiQL.Logo>
      <GraphiQL.Toolbar>
        {({ prettify, copy, merge }) => (
          <>
            {prettify}
            {merge}
            {copy}
            <ToolbarButton label="Forget the API key" onClick={forget} className="forget-key">
              ⏏
            </ToolbarButton>
          </>
        )}
      </GraphiQL.Toolbar>
    </GraphiQL>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
