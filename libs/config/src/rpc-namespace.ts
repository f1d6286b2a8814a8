import { loadConfig } from './load-config';
import { rpcEnv } from './common';
import { z } from 'zod';

let cached: string | undefined;

/**
 * The RPC subject namespace of this process. Message-pattern decorators are evaluated when their module
 * loads, so the namespace is read from the environment once, at first use.
 */
export function rpcNamespace(): string {
  cached ??= loadConfig(z.object({ RPC_NAMESPACE: rpcEnv.RPC_NAMESPACE })).RPC_NAMESPACE;
  return cached;
}
