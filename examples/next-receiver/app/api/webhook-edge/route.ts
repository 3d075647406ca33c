import { webhookRoute } from "../../../lib/handler";

// App Router, Edge runtime: the same handler, Web Crypto underneath.
export const runtime = "edge";
export const dynamic = "force-dynamic";

const route = webhookRoute("app-edge");
export const POST = route.POST;
export const GET = route.GET;
