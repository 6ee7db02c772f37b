package twilio_test

import (
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

func TestContractCodes(t *testing.T) {
	providertest.CodeSenderContract(t, func(t *testing.T) providertest.CodeService {
		c, srv, fc := setup(t)
		return providertest.CodeService{
			Sender: c, To: to,
			LastCode: func(t *testing.T) string {
				t.Helper()
				code := srv.LastCode(to)
				if code == "" {
					t.Fatal("the fake Twilio texted no code")
				}
				return code
			},
			Advance:  fc.Advance,
			Attempts: 5, Valid: valid, CoolDown: coolDown,
		}
	})
}
