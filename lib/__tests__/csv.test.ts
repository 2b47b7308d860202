import { csvRecord } from '../csv';

describe('csvRecord', () => {
  it('writes RFC 4180: CRLF ends a record, a field with a comma, quote, CR or LF is quoted, quotes doubled', () => {
    expect(csvRecord(['a', 'b c', 1.5, null, true])).toBe('a,b c,1.5,,true\r\n');
    expect(csvRecord(['x,y', 'say "hi"', 'two\nlines', 'cr\r'])).toBe('"x,y","say ""hi""","two\nlines","cr\r"\r\n');
    expect(csvRecord([''])).toBe('\r\n');
  });

  it('defuses text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    expect(csvRecord(['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', -5, 'a=b'])).toBe("'=1+1,'+SUM(A1),'-2+3,'@cmd,'\tTAB,-5,a=b\r\n");
    expect(csvRecord(['=HYPERLINK("x")'])).toBe(`"'=HYPERLINK(""x"")"\r\n`);
  });
});
