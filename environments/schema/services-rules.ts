import { RESERVED_ENV } from '../../constructs/workloads/microservice';
import type { EnvironmentSpec } from './index';
import { type Rule, report, reportDuplicates } from './rules';

/** Names a service may call: services, databases and external services of the environment. */
function usableNames(spec: EnvironmentSpec): string[] {
  return [
    ...spec.services.map((service) => service.name),
    ...spec.databases.map((database) => database.name),
    ...spec.externalServices.map((external) => external.name),
  ];
}

/** Service names are unique in the environment: they name Deployments, Services and routes. */
export const uniqueServiceNames: Rule = (spec, ctx) => {
  reportDuplicates(
    ctx,
    spec.services,
    (service) => service.name,
    (index) => ['services', index, 'name'],
    'the service name',
  );
  // The gray objects are named `<service>-<lane>`; they must not collide with another service.
  const names = new Set(spec.services.map((service) => service.name));
  spec.services.forEach((service, index) => {
    if (!service.gray) return;
    const grayName = `${service.name}-${service.gray.lane}`;
    if (names.has(grayName)) {
      report(
        ctx,
        ['services', index, 'gray', 'lane'],
        service.gray.lane,
        `makes the gray objects' name "${grayName}", which is already a service's name; choose another lane`,
      );
    }
    // In-cluster lanes give the stable pods the Service `<service>-stable`.
    if (spec.grayscale.inCluster === 'lanesGateway' && names.has(`${service.name}-stable`)) {
      report(
        ctx,
        ['services', index, 'gray'],
        service.name,
        `gives the stable pods the Service "${service.name}-stable" (grayscale.inCluster: lanesGateway), which is already a service's name`,
      );
    }
  });
};

/** A service runs in a namespace the platform creates. */
export const serviceNamespacesExist: Rule = (spec, ctx) => {
  const known = spec.namespaces.map((namespace) => namespace.name);
  spec.services.forEach((service, index) => {
    if (!known.includes(service.namespace)) {
      report(
        ctx,
        ['services', index, 'namespace'],
        service.namespace,
        `is not one of namespaces[].name (${known.length > 0 ? known.join(', ') : 'none declared'})`,
      );
    }
  });
};

/** Port names, service ports and container ports are each unique within a service; probes and routes name existing ports. */
export const servicePortsConsistent: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    const path = (portIndex: number, field: string) => ['services', index, 'ports', portIndex, field];
    reportDuplicates(
      ctx,
      service.ports,
      (p) => p.name,
      (i) => path(i, 'name'),
      'the port name',
    );
    const firstPort = new Map<number, number>();
    const firstContainerPort = new Map<number, number>();
    service.ports.forEach((p, i) => {
      const samePort = firstPort.get(p.port);
      if (samePort === undefined) firstPort.set(p.port, i);
      else {
        report(
          ctx,
          path(i, 'port'),
          p.port,
          `is already the port of ports[${samePort}]; port numbers must be unique`,
        );
      }
      const target = p.targetPort ?? p.port;
      const sameTarget = firstContainerPort.get(target);
      if (sameTarget === undefined) firstContainerPort.set(target, i);
      else if (samePort === undefined) {
        report(
          ctx,
          path(i, p.targetPort === undefined ? 'port' : 'targetPort'),
          target,
          `is already the container port of ports[${sameTarget}]; container ports must be unique`,
        );
      }
    });
    const names = service.ports.map((p) => p.name);
    for (const kind of ['startup', 'readiness', 'liveness'] as const) {
      const probePort = service.probes[kind].port;
      if (probePort !== undefined && !names.includes(probePort)) {
        report(
          ctx,
          ['services', index, 'probes', kind, 'port'],
          probePort,
          `is not one of the service's port names (${names.join(', ')})`,
        );
      }
      if (service.protocol === 'grpc' && service.probes[kind].path !== undefined) {
        report(
          ctx,
          ['services', index, 'probes', kind, 'path'],
          service.probes[kind].path,
          'applies to http services only; grpc services are probed with the gRPC health protocol',
        );
      }
    }
    const routePort = service.route?.port;
    if (routePort !== undefined && !names.includes(routePort)) {
      report(
        ctx,
        ['services', index, 'route', 'port'],
        routePort,
        `is not one of the service's port names (${names.join(', ')})`,
      );
    }
  });
};

/** The preStop drain must end before the kubelet kills the container, leaving time for the app's own shutdown. */
export const drainFitsGracePeriod: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    const { preStopSeconds, terminationGracePeriodSeconds } = service.lossless;
    if (preStopSeconds >= terminationGracePeriodSeconds) {
      report(
        ctx,
        ['services', index, 'lossless', 'preStopSeconds'],
        preStopSeconds,
        `must be shorter than lossless.terminationGracePeriodSeconds (${terminationGracePeriodSeconds}), which also covers the app's shutdown after SIGTERM`,
      );
    }
  });
};

/** `uses` names things that exist, and not the service itself. */
export const usesKnownTargets: Rule = (spec, ctx) => {
  const known = usableNames(spec);
  spec.services.forEach((service, index) => {
    service.uses.forEach((target, useIndex) => {
      const path = ['services', index, 'uses', useIndex];
      if (target === service.name) report(ctx, path, target, 'names the service itself');
      else if (!known.includes(target)) {
        report(
          ctx,
          path,
          target,
          `is not a service, database or external service of this environment (known: ${known.join(', ')})`,
        );
      }
    });
    reportDuplicates(
      ctx,
      service.uses,
      (target) => target,
      (i) => ['services', index, 'uses', i],
      'the name',
    );
  });
};

/** Gray releases say something new and reach the lane in a way the route can express. */
export const grayReleasesMeaningful: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    const gray = service.gray;
    if (!gray) return;
    if (gray.lane === 'stable') {
      report(
        ctx,
        ['services', index, 'gray', 'lane'],
        gray.lane,
        'is the lane of the stable version; name the gray lane otherwise (e.g. gray)',
      );
    }
    if (gray.maxReplicas !== undefined && !service.autoscaling) {
      report(
        ctx,
        ['services', index, 'gray', 'maxReplicas'],
        gray.maxReplicas,
        'needs `autoscaling` on the service (the gray lane is autoscaled like its stable twin); without it the lane runs gray.replicas',
      );
    } else if (gray.maxReplicas !== undefined && gray.maxReplicas < gray.replicas) {
      report(
        ctx,
        ['services', index, 'gray', 'maxReplicas'],
        gray.maxReplicas,
        `must be at least gray.replicas (${gray.replicas}), the minimum of the gray lane's HPA`,
      );
    }
    if (gray.image === service.image && Object.keys(gray.env).length === 0) {
      report(
        ctx,
        ['services', index, 'gray', 'image'],
        gray.image,
        'is the stable image and the gray version sets no env: the gray release would change nothing',
      );
    }
    reportDuplicates(
      ctx,
      gray.headers,
      (header) => header.name.toLowerCase(),
      (i) => ['services', index, 'gray', 'headers', i, 'name'],
      'the header name',
    );
    gray.headers.forEach((header, i) => {
      if (header.name.toLowerCase() === spec.grayscale.header) {
        report(
          ctx,
          ['services', index, 'gray', 'headers', i, 'name'],
          header.name,
          `is the mark header itself; a request carrying ${spec.grayscale.header}: ${gray.lane} always enters the lane`,
        );
      }
    });
  });
};

/** Path prefixes are an HTTP notion; a gRPC route matches services and methods. */
export const routesFitProtocol: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    const route = service.route;
    if (!route || service.protocol !== 'grpc') return;
    if (route.pathPrefixes.length !== 1 || route.pathPrefixes[0] !== '/') {
      report(
        ctx,
        ['services', index, 'route', 'pathPrefixes'],
        route.pathPrefixes,
        'applies to http services only; a grpc service is routed whole (GRPCRoute)',
      );
    }
  });
};

/** CPU in millicores and memory in MiB, for comparing requests with limits. */
function millicores(cpu: string): number {
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Math.round(Number(cpu) * 1000);
}
function mebibytes(memory: string): number {
  return Number(memory.slice(0, -2)) * (memory.endsWith('Gi') ? 1024 : 1);
}

/** Limits are at least the requests; the platform's own environment variables stay the platform's. */
export const containerSettingsConsistent: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    const { requests, limits } = service.resources;
    const path = ['services', index, 'resources', 'limits'];
    if (millicores(limits.cpu) < millicores(requests.cpu)) {
      report(ctx, [...path, 'cpu'], limits.cpu, `is below the request (${requests.cpu})`);
    }
    if (mebibytes(limits.memory) < mebibytes(requests.memory)) {
      report(ctx, [...path, 'memory'], limits.memory, `is below the request (${requests.memory})`);
    }
    const reserved = RESERVED_ENV as readonly string[];
    const envs: [string[], Record<string, unknown>][] = [[['env'], service.env]];
    if (service.gray) envs.push([['gray', 'env'], service.gray.env]);
    for (const [where, env] of envs) {
      for (const name of Object.keys(env)) {
        if (reserved.includes(name)) {
          report(
            ctx,
            ['services', index, ...where, name],
            name,
            `is set by the platform (${RESERVED_ENV.join(', ')})`,
          );
        }
      }
    }
  });
};

/** The rules of the services area, in the order they run. */
export const serviceRules: readonly Rule[] = [
  uniqueServiceNames,
  serviceNamespacesExist,
  servicePortsConsistent,
  drainFitsGracePeriod,
  usesKnownTargets,
  grayReleasesMeaningful,
  routesFitProtocol,
  containerSettingsConsistent,
];
