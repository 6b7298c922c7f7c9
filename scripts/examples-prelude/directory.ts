// The free variables of the `@example` blocks under src/directory/ (see idswitch.ts).

import type {
  BrakeReport,
  DirectorySource,
  GroupChange,
  KeycloakTarget,
  Mirror,
  MirrorResult,
  ReadinessReport,
  ResumePoint,
  SourceUser,
  TargetUser,
  UserPage,
} from "idswitch/directory";

export * from "./idswitch.js";

export declare const source: DirectorySource;
export declare const target: KeycloakTarget;
export declare const run: Mirror;
export declare const result: MirrorResult;
export declare const report: ReadinessReport;
export declare const sourceUser: SourceUser;
export declare const user: TargetUser;
/** Keycloak's base URL and the mirror's secret there. */
export declare const url: string;
export declare const kcSecret: string;
/** Ids at Entra: an app (its appId), an app role, a group, a user's object id. */
export declare const ordersAppId: string;
export declare const readerRoleId: string;
export declare const staffGroupId: string;
export declare const objectId: string;
/** appRoleId → Keycloak client role. */
export declare const roles: Record<string, string>;
export declare const checkpoint: ResumePoint | undefined;
export declare function loadCheckpoint(): Promise<ResumePoint | undefined>;
export declare function saveCheckpoint(point: ResumePoint): Promise<void>;
export declare function applyPage(page: UserPage): Promise<void>;
export declare function forgetSeenUsers(): void;
/** The groups reader's side of a delta round: where it resumes, what it does with a page. */
export declare const resumeAt: ResumePoint | undefined;
export declare const link: string | undefined;
export declare function applyGroups(changes: readonly GroupChange[]): Promise<void>;
export declare function compareEveryGroup(): void;
export declare function approve(brake: BrakeReport | undefined): Promise<boolean>;
export declare function askSomeone(brake: BrakeReport | undefined): void;
