/** @type {import("next").NextConfig} */
const nextConfig = {
  // The repository lints with its own flat config (pnpm lint); Next's build need not run ESLint again.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
