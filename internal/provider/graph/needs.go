package graph

import "github.com/mfa-onboard/mfa-onboard/internal/catalog"

// Need is one Graph application permission the configured roles use, and what for.
// The wiring lists them in Config.Needs from the configuration, so Check asks for
// exactly those, and names each one the app registration lacks.
type Need struct {
	Permission string
	// Purpose says what for ("to register the verified mobile number"), in the
	// person's language when a Printer says it.
	Purpose catalog.Localized
	// Also lists other permissions that allow the same calls (a narrower one, or one
	// that writes as well as reads); any of them will do.
	Also []string
}

// The application permissions the roles use, each the least privileged one its calls
// document.
const (
	// PermissionRegisterPhones adds and updates phone methods
	// (https://learn.microsoft.com/graph/api/authentication-post-phonemethods).
	PermissionRegisterPhones = "UserAuthenticationMethod.ReadWrite.All"
	// PermissionReadPhones reads them, for the portal route's check
	// (https://learn.microsoft.com/graph/api/authentication-list-phonemethods).
	PermissionReadPhones = "UserAuthenticationMethod.Read.All"
	// PermissionPerUserMFA sets per-user MFA state, and is the only permission listed
	// for it (https://learn.microsoft.com/graph/api/authentication-update?view=graph-rest-beta).
	PermissionPerUserMFA = "Policy.ReadWrite.AuthenticationMethod"
	// PermissionReadPolicies reads security defaults
	// (https://learn.microsoft.com/graph/api/identitysecuritydefaultsenforcementpolicy-get)
	// and Conditional Access policies
	// (https://learn.microsoft.com/graph/api/conditionalaccessroot-list-policies).
	PermissionReadPolicies = "Policy.Read.All"
	// PermissionGroupMembers adds a user to a group
	// (https://learn.microsoft.com/graph/api/group-post-members) and reads the group.
	PermissionGroupMembers = "GroupMember.ReadWrite.All"
	// PermissionReadUsers finds a user's object id, which a group member reference
	// takes (https://learn.microsoft.com/graph/api/user-get).
	PermissionReadUsers = "User.Read.All"
)

// RegisterPhonesNeed is what phone registration through Graph uses.
func RegisterPhonesNeed() Need {
	return Need{Permission: PermissionRegisterPhones, Purpose: catalog.NewError("graph.need.register-phones"),
		Also: []string{"UserAuthMethod-Phone.ReadWrite.All"}}
}

// ReadPhonesNeed is what the portal route uses to check the phone it was told of.
func ReadPhonesNeed() Need {
	return Need{Permission: PermissionReadPhones, Purpose: catalog.NewError("graph.need.read-phones"),
		Also: []string{PermissionRegisterPhones, "UserAuthMethod-Phone.Read.All", "UserAuthMethod-Phone.ReadWrite.All"}}
}

// MailSendNeed is what mailing the notice through Graph uses.
func MailSendNeed() Need {
	return Need{Permission: PermissionMailSend, Purpose: catalog.NewError("graph.need.mail-send")}
}

// EnforcementNeeds is what making MFA required in mode uses (see Enforce); group is
// graph.enforcement_group, which auto uses only where Conditional Access decides.
func EnforcementNeeds(mode, group string) []Need {
	policies := Need{Permission: PermissionReadPolicies, Purpose: catalog.NewError("graph.need.read-policies")}
	perUser := Need{Permission: PermissionPerUserMFA, Purpose: catalog.NewError("graph.need.per-user")}
	groupNeeds := []Need{
		{Permission: PermissionGroupMembers, Purpose: catalog.NewError("graph.need.group-members")},
		{Permission: PermissionReadUsers, Purpose: catalog.NewError("graph.need.read-users")},
	}
	switch mode {
	case EnforceNone:
		return nil
	case EnforceGroup:
		return groupNeeds
	case EnforcePerUser:
		return []Need{policies, perUser}
	}
	if group == "" {
		return []Need{policies, perUser}
	}
	return append([]Need{policies, perUser}, groupNeeds...)
}
