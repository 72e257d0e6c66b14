/**
 * Finds the methods marked `@OnLeadership()` and `@OnLeadershipEnd()` on the application's providers and
 * controllers, bound to their instances. Request-scoped and transient providers have no single instance to
 * call and are skipped.
 */
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  type LeadershipEndHandler,
  type LeadershipStartHandler,
  ON_LEADERSHIP,
  ON_LEADERSHIP_END,
} from './decorators.ts';

/** The marked methods, bound to their instances. */
export interface LeaderWork {
  /** The `@OnLeadership()` methods, called in this order when leadership starts. */
  readonly start: readonly LeadershipStartHandler[];
  /** The `@OnLeadershipEnd()` methods, called in this order once leadership has ended. */
  readonly end: readonly LeadershipEndHandler[];
}

export function findLeaderWork(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
): LeaderWork {
  const start: LeadershipStartHandler[] = [];
  const end: LeadershipEndHandler[] = [];
  const seen = new Set<object>();
  for (const wrapper of [...discovery.getProviders(), ...discovery.getControllers()]) {
    const instance: unknown = wrapper.instance;
    if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
    if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) continue;
    seen.add(instance);
    const prototype: object | null = Object.getPrototypeOf(instance);
    if (prototype === null) continue;
    const methods = instance as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const method = methods[name];
      if (typeof method !== 'function') continue;
      if (reflector.get(ON_LEADERSHIP, method)) start.push(method.bind(instance));
      if (reflector.get(ON_LEADERSHIP_END, method)) end.push(method.bind(instance));
    }
  }
  return { start, end };
}
