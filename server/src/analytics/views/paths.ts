/** `ViewDefinition/$run` and `ViewDefinition/[id]/$run`, relative to the FHIR base. */
export const VIEW_RUN_PATH = /^\/ViewDefinition\/(?:([A-Za-z0-9\-.]{1,64})\/)?\$run$/;

export function isViewRunPath(path: string): boolean {
  return VIEW_RUN_PATH.test(path);
}
