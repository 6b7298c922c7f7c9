/**
 * `importRealm(json)`: reads the subset of a realm export the emulator
 * understands (see `KeycloakRealmRepresentation`) and turns it into
 * addRealm/addClient/addUser calls, with Keycloak's import defaults
 * (`standardFlowEnabled` true, a generated secret for a confidential client
 * without one, service-account users created with their client).
 */
import { randomUUID } from "node:crypto";
import type {
  KeycloakClientOptions,
  KeycloakClientRepresentation,
  KeycloakGroupRepresentation,
  KeycloakMapper,
  KeycloakRealmOptions,
  KeycloakRealmRepresentation,
  KeycloakUserOptions,
} from "./types.js";

export interface ImportSteps {
  readonly realm: KeycloakRealmOptions;
  readonly clients: readonly KeycloakClientOptions[];
  readonly users: readonly KeycloakUserOptions[];
  /** Roles to add to service-account users, by client id. */
  readonly serviceAccounts: readonly { clientId: string; user: KeycloakUserOptions }[];
}

const flag = (value: string | undefined, fallback: boolean): boolean =>
  value === undefined ? fallback : value === "true";

function mapperOf(
  client: string,
  mapper: NonNullable<KeycloakClientRepresentation["protocolMappers"]>[number],
): KeycloakMapper {
  const config = mapper.config ?? {};
  const accessToken = flag(config["access.token.claim"], true);
  switch (mapper.protocolMapper) {
    case "oidc-audience-mapper": {
      const audience = config["included.client.audience"] ?? config["included.custom.audience"];
      if (!audience)
        throw new TypeError(`importRealm: client ${client}: audience mapper without an audience`);
      return { type: "audience", audience, accessToken };
    }
    case "oidc-group-membership-mapper":
      return {
        type: "group-membership",
        claim: config["claim.name"] ?? "groups",
        fullPath: flag(config["full.path"], true),
        accessToken,
        idToken: flag(config["id.token.claim"], true),
        userinfo: flag(config["userinfo.token.claim"], true),
      };
    case "oidc-usermodel-attribute-mapper": {
      const attribute = config["user.attribute"];
      const claim = config["claim.name"];
      if (!attribute || !claim)
        throw new TypeError(`importRealm: client ${client}: attribute mapper incomplete`);
      return {
        type: "user-attribute",
        attribute,
        claim,
        accessToken,
        idToken: flag(config["id.token.claim"], true),
        userinfo: flag(config["userinfo.token.claim"], true),
      };
    }
    default:
      throw new TypeError(
        `importRealm: client ${client}: protocol mapper "${mapper.protocolMapper}" is not emulated`,
      );
  }
}

function clientOf(realm: string, rep: KeycloakClientRepresentation): KeycloakClientOptions {
  const attributes = rep.attributes ?? {};
  const postLogout = attributes["post.logout.redirect.uris"];
  const pkce = attributes["pkce.code.challenge.method"];
  const publicClient = rep.publicClient ?? false;
  return {
    realm,
    clientId: rep.clientId,
    publicClient,
    ...(publicClient ? {} : { secret: rep.secret ?? randomUUID() }),
    enabled: rep.enabled ?? true,
    redirectUris: rep.redirectUris ?? [],
    ...(postLogout ? { postLogoutRedirectUris: postLogout.split("##") } : {}),
    standardFlow: rep.standardFlowEnabled ?? true,
    directAccessGrants: rep.directAccessGrantsEnabled ?? false,
    serviceAccount: rep.serviceAccountsEnabled ?? false,
    deviceFlow: attributes["oauth2.device.authorization.grant.enabled"] === "true",
    ...(pkce === "S256" || pkce === "plain" ? { pkce } : {}),
    webOrigins: rep.webOrigins ?? [],
    mappers: (rep.protocolMappers ?? []).map((m) => mapperOf(rep.clientId, m)),
  };
}

function groupPaths(groups: readonly KeycloakGroupRepresentation[], parent = ""): string[] {
  return groups.flatMap((g) => [
    `${parent}/${g.name}`,
    ...groupPaths(g.subGroups ?? [], `${parent}/${g.name}`),
  ]);
}

export function importSteps(rep: KeycloakRealmRepresentation): ImportSteps {
  const name = rep.realm;
  const bruteForce = rep.bruteForceProtected
    ? {
        ...(rep.failureFactor === undefined ? {} : { failureFactor: rep.failureFactor }),
        ...(rep.waitIncrementSeconds === undefined ? {} : { waitIncrementSeconds: rep.waitIncrementSeconds }),
        ...(rep.maxFailureWaitSeconds === undefined
          ? {}
          : { maxFailureWaitSeconds: rep.maxFailureWaitSeconds }),
        ...(rep.maxDeltaTimeSeconds === undefined ? {} : { maxDeltaTimeSeconds: rep.maxDeltaTimeSeconds }),
        ...(rep.quickLoginCheckMilliSeconds === undefined
          ? {}
          : { quickLoginCheckMilliSeconds: rep.quickLoginCheckMilliSeconds }),
        ...(rep.minimumQuickLoginWaitSeconds === undefined
          ? {}
          : { minimumQuickLoginWaitSeconds: rep.minimumQuickLoginWaitSeconds }),
        ...(rep.permanentLockout === undefined ? {} : { permanentLockout: rep.permanentLockout }),
      }
    : false;
  const realm: KeycloakRealmOptions = {
    name,
    enabled: rep.enabled ?? true,
    ...(rep.accessTokenLifespan === undefined ? {} : { accessTokenLifespan: rep.accessTokenLifespan }),
    ...(rep.ssoSessionIdleTimeout === undefined ? {} : { ssoSessionIdleTimeout: rep.ssoSessionIdleTimeout }),
    ...(rep.ssoSessionMaxLifespan === undefined ? {} : { ssoSessionMaxLifespan: rep.ssoSessionMaxLifespan }),
    ...(rep.accessCodeLifespan === undefined ? {} : { accessCodeLifespan: rep.accessCodeLifespan }),
    ...(rep.oauth2DeviceCodeLifespan === undefined
      ? {}
      : { deviceCodeLifespan: rep.oauth2DeviceCodeLifespan }),
    ...(rep.oauth2DevicePollingInterval === undefined
      ? {}
      : { devicePollingInterval: rep.oauth2DevicePollingInterval }),
    bruteForce,
    roles: (rep.roles?.realm ?? []).map((r) => r.name),
    groups: groupPaths(rep.groups ?? []),
  };
  const users: KeycloakUserOptions[] = [];
  const serviceAccounts: { clientId: string; user: KeycloakUserOptions }[] = [];
  for (const u of rep.users ?? []) {
    const password = u.credentials?.find((c) => c.type === "password")?.value;
    const user: KeycloakUserOptions = {
      realm: name,
      username: u.username,
      ...(u.id === undefined ? {} : { id: u.id }),
      ...(password === undefined ? {} : { password }),
      ...(u.email === undefined ? {} : { email: u.email }),
      ...(u.emailVerified === undefined ? {} : { emailVerified: u.emailVerified }),
      ...(u.firstName === undefined ? {} : { firstName: u.firstName }),
      ...(u.lastName === undefined ? {} : { lastName: u.lastName }),
      enabled: u.enabled ?? true,
      realmRoles: u.realmRoles ?? [],
      clientRoles: u.clientRoles ?? {},
      groups: u.groups ?? [],
      attributes: u.attributes ?? {},
      requiredActions: u.requiredActions ?? [],
    };
    if (u.serviceAccountClientId === undefined) users.push(user);
    else serviceAccounts.push({ clientId: u.serviceAccountClientId, user });
  }
  return { realm, clients: (rep.clients ?? []).map((c) => clientOf(name, c)), users, serviceAccounts };
}
