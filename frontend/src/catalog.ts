/** Conferences and their working groups, fetched once per page load (they rarely change). */
import { api, type ConferenceRead, type WorkingGroupRead } from "./api";

let conferences: Promise<ConferenceRead[]> | null = null;
const groups = new Map<number, Promise<WorkingGroupRead[]>>();

export function allConferences(): Promise<ConferenceRead[]> {
  conferences ??= api.conferences().catch((err) => {
    conferences = null;
    throw err;
  });
  return conferences;
}

export function groupsOf(conferenceId: number): Promise<WorkingGroupRead[]> {
  let p = groups.get(conferenceId);
  if (!p) {
    p = api.workingGroups(conferenceId).catch((err) => {
      groups.delete(conferenceId);
      throw err;
    });
    groups.set(conferenceId, p);
  }
  return p;
}

export async function findGroup(
  workingGroupId: number,
): Promise<{ conference: ConferenceRead; group: WorkingGroupRead } | null> {
  for (const conference of await allConferences()) {
    const group = (await groupsOf(conference.id)).find((g) => g.id === workingGroupId);
    if (group) return { conference, group };
  }
  return null;
}
