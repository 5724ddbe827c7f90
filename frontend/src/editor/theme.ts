/**
 * The editor's styles. CodeMirror mounts them as a constructed stylesheet in the
 * editor's shadow root (adoptedStyleSheets), which the page's CSP (style-src 'self')
 * allows, unlike <style> elements. Colours meet WCAG AA contrast on white.
 */
import { EditorView } from "@codemirror/view";

const depth = ["#1c4fa0", "#7a2a8c", "#0b6b5d", "#a34a00"];
const remote = ["#c01c28", "#1a5fb4", "#26a269", "#a347ba", "#c64600", "#0f7b8a", "#865e3c", "#5e5c64"];

const rules: Record<string, Record<string, string>> = {
  "&": {
    fontSize: "16px",
    border: "1px solid #8a8f98",
    borderRadius: "4px",
    backgroundColor: "#ffffff",
    color: "#1d1d1f",
    height: "100%",
  },
  "&.cm-focused": { outline: "3px solid #1a5fb4", outlineOffset: "1px" },
  ".cm-scroller": {
    fontFamily: '"Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", system-ui, sans-serif',
    lineHeight: "1.6",
  },
  ".cm-content": { padding: "12px 0", caretColor: "#000" },
  ".cm-line": { padding: "0 14px" },
  ".cm-bd": { fontWeight: "700" },
  ".cm-bd-active": { backgroundColor: "#ffe08a", borderRadius: "2px" },
  ".cm-bd-conflict": { color: "#a51d2d !important" },
  ".cm-bc": { backgroundColor: "rgba(28, 79, 160, 0.07)" },
  ".cm-alt-b": { backgroundColor: "rgba(122, 42, 140, 0.09)" },
  ".cm-group": { textDecoration: "underline dotted #5e5c64", textUnderlineOffset: "4px" },
  ".cm-group-active": { textDecoration: "underline solid #1a5fb4 2px", textUnderlineOffset: "4px" },
  ".cm-conflict": {
    backgroundColor: "rgba(192, 28, 40, 0.12)",
    outline: "1px dashed #a51d2d",
  },
  ".cm-label": { fontStyle: "italic", fontWeight: "600" },
  ".cm-unmatched": { color: "#ffffff", backgroundColor: "#a51d2d" },
  ".cm-locked-line": {
    backgroundColor: "#eceff3",
    borderLeft: "4px solid #5e5c64",
    color: "#3d3846",
  },
  ".cm-remote-caret": {
    position: "relative",
    borderLeft: "2px solid",
    marginLeft: "-1px",
    marginRight: "-1px",
  },
  ".cm-remote-label": {
    position: "absolute",
    top: "-1.35em",
    left: "-2px",
    fontSize: "11px",
    lineHeight: "1.3",
    padding: "0 4px",
    borderRadius: "3px",
    color: "#ffffff",
    whiteSpace: "nowrap",
    pointerEvents: "none",
    fontFamily: "system-ui, sans-serif",
    zIndex: "5",
  },
  ".cm-remote-sel": { opacity: "1" },
};

depth.forEach((color, i) => {
  rules[`.cm-bd-${i}`] = { color };
});
remote.forEach((color, i) => {
  rules[`.cm-remote-caret.cm-rc-${i}`] = { borderLeftColor: color };
  rules[`.cm-rc-${i} .cm-remote-label`] = { backgroundColor: color };
  rules[`.cm-remote-sel.cm-rc-${i}`] = { backgroundColor: `${color}33` };
});

export const accordTheme = EditorView.theme(rules);
export const REMOTE_COLORS = remote.length;
