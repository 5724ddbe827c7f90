import { describe, expect, it } from "vitest";
import { exportQuery, filenameFrom } from "../src/api";

describe("export downloads", () => {
  it("takes the file name from Content-Disposition, extended form first", () => {
    expect(filenameFrom("attachment; filename*=UTF-8''WG-PL_DT_12-agreed.docx")).toBe(
      "WG-PL_DT_12-agreed.docx",
    );
    expect(filenameFrom("attachment; filename*=UTF-8''%D8%B9%D8%B1%D8%A8%D9%8A.pdf")).toBe("عربي.pdf");
    expect(filenameFrom('attachment; filename="plain \\"quoted\\".txt"')).toBe('plain "quoted".txt');
    expect(filenameFrom(null)).toBeNull();
  });

  it("never lets a file name climb out of the download folder", () => {
    expect(filenameFrom("attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd")).toBe(".._.._etc_passwd");
    expect(filenameFrom('attachment; filename=".."')).toBeNull();
    expect(filenameFrom("attachment; filename*=UTF-8''a%0Ab.txt")).toBe("a_b.txt");
  });

  it("builds the export query, leaving the server's defaults out", () => {
    expect(exportQuery({ view: "agreed", format: "docx" })).toBe("view=agreed&format=docx");
    expect(exportQuery({ view: "agreed", format: "pdf", force: true, version: "rev:2" })).toBe(
      "view=agreed&format=pdf&version=rev%3A2&force=true",
    );
    // force belongs to the agreed view, against to the revision view only
    expect(exportQuery({ view: "compilation", format: "md", force: true, against: "r:0" })).toBe(
      "view=compilation&format=md",
    );
    expect(exportQuery({ view: "revision", format: "html", against: "base" })).toBe(
      "view=revision&format=html&against=base",
    );
  });
});
