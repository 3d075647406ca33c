export default function Home() {
  return (
    <main style={{ fontFamily: "system-ui", margin: "2rem" }}>
      <h1>Webhook receiver</h1>
      <p>POST signed webhooks to one of these routes; GET the same route for its counts.</p>
      <ul>
        <li>
          <code>/api/webhook</code>: App Router, Node.js runtime
        </li>
        <li>
          <code>/api/webhook-edge</code>: App Router, Edge runtime
        </li>
        <li>
          <code>/api/webhook-pages</code>: Pages Router
        </li>
      </ul>
    </main>
  );
}
