package phonenumbers

import "testing"

// mfa-onboard: IsSupportedRegion must answer as the full metadata does.
func TestIsSupportedRegionAgreesWithTheMetadata(t *testing.T) {
	supported := GetSupportedRegions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			if got, want := IsSupportedRegion(code), supported[code]; got != want {
				t.Errorf("IsSupportedRegion(%q) = %v, the metadata says %v", code, got, want)
			}
		}
	}
	if IsSupportedRegion(REGION_CODE_FOR_NON_GEO_ENTITY) || IsSupportedRegion("") {
		t.Error("the non-geographical entity or no region is supported")
	}
}
