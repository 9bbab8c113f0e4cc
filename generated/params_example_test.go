package generated_test

import (
	"errors"
	"fmt"

	"github.com/voxsip/voxsip/generated"
)

// A JSON object of parameters (a line of a batch) decoded straight into the Params struct; a key
// the spec does not spell that way is refused, naming the key and no value.
func ExampleUpdateSIPRegistrationParams_DecodeParamsJSON() {
	var p generated.UpdateSIPRegistrationParams
	err := p.DecodeParamsJSON([]byte(`{"sip_registration_id": 7, "proxy": "sip.example.com"}`))
	fmt.Println(p.SIPRegistrationID, p.GetProxy(), err)

	err = new(generated.UpdateSIPRegistrationParams).DecodeParamsJSON([]byte(`{"sip_registration_id": 7, "Password": "s3cret"}`))
	var pe *generated.ParamsJSONError
	fmt.Println(errors.As(err, &pe), pe.Param, err)
	// Output:
	// 7 sip.example.com <nil>
	// true Password unknown field "Password"
}
