import { webhookRoute } from "../../../lib/handler";

// App Router, Node.js runtime.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const route = webhookRoute("app-node");
export const POST = route.POST;
export const GET = route.GET;
